import { HEALTH_WORDS } from '../connections/connection-health.tsx';
import { formatMoney } from '../../../../schema/document/money.ts';
import { clockLabel, longDate, shortDate } from '../timeline/zoned-time.ts';
import type { WorkspaceWedding } from './account-api.ts';

const HEALTH_TAG: Record<string, string> = HEALTH_WORDS;

/**
 * A wedding's next milestone and integration health on the workspace home, in the wedding's words:
 * dates and times in the wedding's zone, named beside them (the server gives them as wall clock there), money with its
 * currency. Nothing when the server's list has no summary for it.
 */
export function WeddingSummary({ summary }: { summary: WorkspaceWedding | undefined }) {
  if (!summary) return null;
  const m = summary.nextMilestone;
  const health = summary.integrationHealth;
  const zone = summary.timezone;
  return (
    <dl class="wedding-summary">
      {m !== undefined && (
        <div>
          <dt>Next</dt>
          <dd>
            {m === null ? <span class="muted">Nothing scheduled ahead</span>
              : m.kind === 'event' ? <>{m.title} · {shortDate(m.date)} {zone ? clockLabel(m.at, zone) : m.time}{zone && <span class="muted"> ({zone})</span>}</>
                : <>{formatMoney(m.outstanding, m.currency)} due{m.vendorName ? ` to ${m.vendorName}` : ''} ({m.title}) · {longDate(m.date)}{zone && <span class="muted"> ({zone})</span>}</>}
          </dd>
        </div>
      )}
      {health && (
        <div>
          <dt>Integrations</dt>
          <dd>{health.state !== 'none' && <><span class={`health-tag health-${health.state}`}>{HEALTH_TAG[health.state]}</span> </>}{health.words}</dd>
        </div>
      )}
    </dl>
  );
}
