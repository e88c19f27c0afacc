import type { StatusBody } from '../../../sdk/index.ts';
import { connectionTitle } from '../catalog/system-names.ts';
import { HEALTH_WORDS, plainError } from '../connections/connection-health.tsx';
import { dateTimeLabel, relativeTime } from '../ui/labels.ts';
import { flowSentence, nothingConnectedWords, ownSystemsIntro, waitingWords } from './status-words.ts';

/**
 * A wedding's connected systems for a vendor (their own: GET /api/integrations/status/:weddingId
 * answers only those) or the couple: each one's name, whether it works, what it carries and when
 * it last did, and what went wrong in plain words. The planner's table (integrations-view.tsx) has
 * the queues and the breaker, which say nothing to them (vendor trial).
 */
export function OwnSystems({ body, role, timeZone }: { body: StatusBody; role: string; timeZone: string }) {
  if (body.integrationStatus.length === 0) return <p class="empty" data-state="ready">{nothingConnectedWords(role)}</p>;
  return (
    <div data-state="ready">
      <p class="muted">{ownSystemsIntro(role)}</p>
      <ul class="own-systems">
        {body.integrationStatus.map((i) => {
          // What goes out to it first: for a vendor's calendar, the reason it is connected.
          const flows = body.activeFlows.filter((f) => f.integrationId === i.integrationId).sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'outbound' ? -1 : 1));
          const title = connectionTitle(i.name, i.systemName);
          return (
            <li key={i.integrationId} data-integration-id={i.integrationId}>
              <h3>{title}</h3>
              <p><span class={`tag health-${i.health}`}>{HEALTH_WORDS[i.health]}</span>{' '}
                {i.lastSync ? <>Last sync <span title={dateTimeLabel(i.lastSync, timeZone)}>{relativeTime(i.lastSync)}</span></> : 'Not synced yet'}</p>
              {flows.map((f) => <p key={f.direction}>{flowSentence(f.direction, f.entities, f.lastAt)}</p>)}
              {i.health !== 'healthy' && i.lastError && <p class="field-error">{plainError(i.name, i.lastError.message)}</p>}
              {waitingWords(i).map((w) => <p key={w}>{w}</p>)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
