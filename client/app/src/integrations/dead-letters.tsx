import { useCallback, useEffect, useState } from 'preact/hooks';
import { OutboxEntry, OutboxList } from '../../../../schema/api/integrations.ts';
import type { WeddingDoc } from '../../../../schema/document/wedding-doc.ts';
import { ApiError, apiRequest, describeApiError } from '../api/api-client.ts';
import { plainError } from '../connections/connection-health.tsx';
import { useAnnounce } from '../ui/use-announcer.ts';
import { dateTimeLabel, relativeTime } from '../ui/labels.ts';

interface Props {
  weddingId: string;
  token: string;
  /** The wedding, for the names of what each push was (an event's title, a vendor's name). */
  doc?: WeddingDoc;
  /** The system of each integration of the wedding (from its status). */
  systemOf(integrationId: string): string;
  /** Bumped by the view's Refresh: the list reloads. */
  version: number;
  /** The wedding's zone (IANA). */
  timeZone: string;
}

/** How long a replay's outcome is followed before saying it is still on its way. */
const FOLLOW_MS = 30_000;
const STEP_MS = 750;

type Outcome = { state: 'sending' } | { state: 'delivered'; at: string | null } | { state: 'superseded' } | { state: 'refused'; message: string } | { state: 'waiting' } | { state: 'failed'; message: string };

/** A push the server set aside because a newer change of the same thing went (or is going) to the system instead. */
const supersededError = (lastError: string | null) => lastError?.startsWith('superseded by a newer change') === true;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a push was, in the wedding's words. */
function describe(entry: OutboxEntry, doc: WeddingDoc | undefined): string {
  const id = entry.entityId ?? '';
  switch (entry.entity) {
    case 'timeline': { const t = doc?.getEvent(id)?.title; return t ? `the event “${t}”` : 'a timeline event since removed'; }
    case 'vendors': { const n = doc?.getVendor(id)?.name; return n ? `the vendor ${n}` : 'a vendor since removed'; }
    case 'payments': { const p = doc?.getPayment(id); return p ? `the payment “${p.description || p.milestone}”` : 'a payment since removed'; }
    case 'meta': return 'the wedding’s details';
    case 'guests': return 'the guest count';
    default: return entry.entity ? `a ${entry.entity} change` : 'a change';
  }
}

/**
 * Pushes a system refused for good (GET /api/integrations/wedding/:id/outbox): what each was, to
 * which system, and why, with Replay (POST /api/integrations/outbox/:id/replay). The replay's
 * outcome is then followed (GET /api/integrations/outbox/:id) until it is delivered or refused again.
 */
export function DeadLetters({ weddingId, token, doc, systemOf, version, timeZone }: Props) {
  const announce = useAnnounce();
  const [entries, setEntries] = useState<OutboxEntry[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [outcomes, setOutcomes] = useState<Record<number, Outcome & { what: string }>>({});

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      const body = await apiRequest(`/api/integrations/wedding/${encodeURIComponent(weddingId)}/outbox`, { token, schema: OutboxList, signal });
      setEntries(body.entries);
      setProblem(null);
    } catch (error) {
      if ((error as Error).name !== 'AbortError') setProblem(describeApiError(error, 'Loading the refused changes'));
    }
  }, [weddingId, token]);

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load, version]);

  const replay = async (entry: OutboxEntry) => {
    const what = `${describe(entry, doc)} to ${systemOf(entry.integrationId)}`;
    const set = (o: Outcome) => setOutcomes((all) => ({ ...all, [entry.id]: { ...o, what } }));
    set({ state: 'sending' });
    try {
      await apiRequest(`/api/integrations/outbox/${entry.id}/replay`, { token, method: 'POST', body: {}, schema: OutboxEntry });
      void load();
      const until = Date.now() + FOLLOW_MS;
      for (;;) {
        const now = await apiRequest(`/api/integrations/outbox/${entry.id}`, { token, schema: OutboxEntry });
        if (now.status === 'delivered') { set({ state: 'delivered', at: now.deliveredAt }); announce(`Delivered ${what}.`); break; }
        if (now.status === 'cancelled' && supersededError(now.lastError)) { set({ state: 'superseded' }); announce(`A newer change replaced ${what}.`); break; }
        if (now.status === 'dead' || now.status === 'cancelled') {
          const message = now.lastError ? plainError(systemOf(entry.integrationId), now.lastError, 'push') : 'it was refused again';
          set({ state: 'refused', message });
          announce(`Replaying ${what} was refused again.`);
          break;
        }
        if (Date.now() > until) { set({ state: 'waiting' }); break; }
        await sleep(STEP_MS);
      }
    } catch (error) {
      // A newer change of the same thing was made since: it goes (or went) to the system instead.
      if (error instanceof ApiError && error.serverCode === 'outbox_superseded') {
        set({ state: 'superseded' });
        announce(`A newer change replaced ${what}.`);
      } else set({ state: 'failed', message: describeApiError(error, 'Replaying the change') });
    }
    void load();
  };

  const done = Object.entries(outcomes).filter(([id]) => !entries?.some((e) => e.id === Number(id)));
  return (
    <section aria-labelledby="dead-letters-heading" class="dead-letters">
      <h3 id="dead-letters-heading">Changes a system refused</h3>
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      {entries && entries.length === 0 && done.length === 0 && <p class="empty">Nothing was refused: every change reached its system.</p>}
      {entries && entries.length > 0 && (
        <ul class="dead-letter-list">
          {entries.map((e) => {
            const what = describe(e, doc);
            const system = systemOf(e.integrationId);
            const outcome = outcomes[e.id];
            return (
              <li key={e.id} data-outbox-id={e.id}>
                <p><strong class="dead-letter-what">{e.kind === 'delete' ? 'Removing' : 'Sending'} {what} to {system}</strong></p>
                <p class="muted">Why: {e.lastError ? plainError(system, e.lastError, 'push') : 'refused'} · tried {e.attempts} time{e.attempts === 1 ? '' : 's'},
                  first <span title={dateTimeLabel(e.createdAt, timeZone)}>{relativeTime(e.createdAt)}</span></p>
                <button type="button" disabled={outcome?.state === 'sending'} onClick={() => void replay(e)}>Replay<span class="sr-only"> sending {what} to {system}</span></button>
                {outcome && <OutcomeLine outcome={outcome} />}
              </li>
            );
          })}
        </ul>
      )}
      {done.length > 0 && (
        <ul class="replay-outcomes" aria-label="Replayed changes">
          {done.map(([id, o]) => <li key={id} data-outbox-id={id}><OutcomeLine outcome={o} /></li>)}
        </ul>
      )}
    </section>
  );
}

function OutcomeLine({ outcome: o }: { outcome: Outcome & { what: string } }) {
  const text = o.state === 'sending' ? `Sending ${o.what} again…`
    : o.state === 'delivered' ? `Delivered ${o.what}${o.at ? ` ${relativeTime(o.at)}` : ''}.`
    : o.state === 'superseded' ? `Not sent: a newer change went in place of ${o.what}.`
    : o.state === 'refused' ? `Refused again: ${o.message}`
    : o.state === 'waiting' ? `${o.what[0]!.toUpperCase()}${o.what.slice(1)} is queued and still being retried.`
    : o.message;
  return <p class={`replay-outcome replay-${o.state}`} role="status">{text}</p>;
}
