import { useState } from 'preact/hooks';
import { z } from 'zod';
import { Conflict, ResolveConflictBody, type ActivityEntry } from '../../../sdk/index.ts';
import { actorWords, whenWords } from '../activity/activity-words.ts';
import { apiRequest, describeApiError } from '../api/api-client.ts';
import type { Route } from '../routing/routes.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { whoLines } from './conflict-history.ts';
import { conflictWords, sentenceText, systemName, type EventFacts, type Part, type Partner } from './conflict-words.ts';

type Winner = z.infer<typeof ResolveConflictBody>['winner'];

/** The resolve endpoint's 200 body (schema/api/routes.ts). */
const ResolveConflictResponse = z.object({ conflict: Conflict });

interface Props {
  conflict: Conflict;
  facts: EventFacts;
  partner: Partner | undefined;
  history: Map<string, ActivityEntry[]>;
  weddingId: string;
  token: string;
  canAct: boolean;
  readOnly: boolean;
  readOnlyNoteId: string;
  navigate(route: Route): void;
}

/** Where an event link goes: the timeline, scrolled to the event (timeline-view.tsx reads the hash). */
export function eventHref(weddingId: string, eventId: string): string {
  return `/w/${weddingId}/timeline#event-${eventId}`;
}

/** A sentence with its events as links to them in the timeline. */
export function Sentence({ parts, weddingId, navigate }: { parts: Part[]; weddingId: string; navigate(route: Route): void }) {
  return (
    <>
      {parts.map((p, i) => (typeof p === 'string' ? p : (
        <a key={i} href={eventHref(weddingId, p.eventId)} onClick={(e) => {
          if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
          e.preventDefault();
          history.pushState(null, '', eventHref(weddingId, p.eventId));
          navigate({ name: 'wedding', weddingId, view: 'timeline' });
        }}>{p.text}</a>
      )))}
    </>
  );
}

/** Who settled it: a person by name (from the activity trail), the connection's rule, or the clash going away. */
function resolvedBy(c: Conflict, history: Map<string, ActivityEntry[]>): string {
  const by = c.resolvedBy ?? '';
  if (by === 'system:overlap-cleared') return 'the clash went away by itself';
  const rule = /^(?:strategy:)?(crdt|prefer-source|prefer-planner)$/.exec(by);
  if (rule) return `settled by the connection’s rule (${rule[1]})`;
  const entry = history.get(`conflicts:${c.id}`)?.find((e) => e.field === 'status' && e.value === 'resolved');
  return entry ? `decided by ${actorWords(entry.actor)}` : 'decided by a person';
}

export function ConflictItem(props: Props) {
  const { conflict: c, facts, weddingId, token } = props;
  const announce = useAnnounce();
  const [busy, setBusy] = useState<Winner | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const words = conflictWords(c, facts, props.partner);
  const who = props.canAct ? whoLines(c, props.history, facts, props.partner) : [];
  const headingId = `conflict-${c.id}`;
  const canResolve = c.status === 'pending' && c.strategy === 'manual' && props.canAct;
  const kept = c.winner === 'local' ? words.choices.local : c.winner === 'remote' ? words.choices.remote : null;

  const resolve = async (winner: Winner) => {
    setBusy(winner);
    setMessage(null);
    try {
      const body: z.infer<typeof ResolveConflictBody> = { winner };
      await apiRequest(`/api/integrations/wedding/${encodeURIComponent(weddingId)}/conflicts/${encodeURIComponent(c.id)}/resolve`, {
        token, method: 'POST', body, schema: ResolveConflictResponse,
      });
      const done = winner === 'local' ? words.choices.local : words.choices.remote;
      setMessage({ text: `Done: ${done}.`, error: false });
      announce(`Conflict resolved: ${done}.`);
    } catch (error) {
      setMessage({ text: describeApiError(error, 'Resolving conflicts'), error: true });
    } finally {
      setBusy(null);
    }
  };

  return (
    <li class={`conflict conflict-${c.status}`} aria-labelledby={headingId} data-conflict-id={c.id} data-conflict-kind={words.kind}>
      <h3 id={headingId} class="conflict-sentence">
        <Sentence parts={words.sentence} weddingId={weddingId} navigate={props.navigate} />
      </h3>
      <dl class="conflict-values">
        <div><dt>{words.local.label}</dt><dd class={c.winner === 'local' ? 'winner' : undefined}>{words.local.value}</dd></div>
        <div><dt>{words.remote.label}</dt><dd class={c.winner === 'remote' ? 'winner' : undefined}>{words.remote.value}</dd></div>
      </dl>
      {who.length > 0 && (
        <ul class="conflict-who" aria-label="Who made each change">
          {who.map((w) => <li key={w.label}><span class="muted">{w.label}:</span> {w.text}</li>)}
        </ul>
      )}
      <p class="conflict-meta">
        <span class={`tag status-${c.status}`}>{c.status === 'pending' ? 'Waiting for a decision' : 'Resolved'}</span>
        <span>Found {whenWords(c.at, facts.timeZone)}{c.source.startsWith('availability:') ? '' : ` (${systemName(c.source)})`}</span>
        {kept && <span>Outcome: {kept}, {resolvedBy(c, props.history)}{c.resolvedAt ? `, ${whenWords(c.resolvedAt, facts.timeZone)}` : ''}</span>}
      </p>
      {canResolve && (
        <div class="form-actions" role="group" aria-label={`Choices for: ${sentenceText(words.sentence)}`}>
          <button type="button" disabled={props.readOnly || busy !== null} aria-describedby={props.readOnly ? props.readOnlyNoteId : undefined} onClick={() => resolve('local')}>
            {busy === 'local' ? 'Resolving…' : words.choices.local}
          </button>
          <button type="button" disabled={props.readOnly || busy !== null} aria-describedby={props.readOnly ? props.readOnlyNoteId : undefined} onClick={() => resolve('remote')}>
            {busy === 'remote' ? 'Resolving…' : words.choices.remote}
          </button>
        </div>
      )}
      {c.status === 'pending' && !props.canAct && <p class="hint">The planner decides this one.</p>}
      {message && <p class={message.error ? 'form-errors' : 'hint'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
    </li>
  );
}
