import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ActivityResponse, type ActivityEntry, type WeddingDoc } from '../../../sdk/index.ts';
import { apiRequest, describeApiError } from '../api/api-client.ts';
import { Sentence } from '../conflicts/conflict-item.tsx';
import type { Route } from '../routing/routes.ts';
import { activityFacts } from './activity-facts.ts';
import { actorWords, activityLines, whenWords } from './activity-words.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  timeZone: string;
  weddingDate: string | undefined;
  weddingId: string;
  token: string;
  navigate(route: Route): void;
}

const PAGE = 100;

/** `#event-<id>` in the address: the activity of that event (a link from the event's form). */
function eventFromHash(): string {
  const m = /^#event-([A-Za-z0-9_]{1,128})$/.exec(location.hash);
  return m ? m[1]! : '';
}

/**
 * "Who changed what, when": the wedding's activity trail (GET /api/weddings/:id/activity), for
 * the whole wedding or one event, in the wedding's words. Planners and admins only, like the API.
 */
export function ActivityView({ doc, version, timeZone, weddingDate, weddingId, token, navigate }: Props) {
  const events = useMemo(() => doc.listEvents(), [doc, version]);
  const facts = useMemo(() => activityFacts(doc, timeZone, weddingDate), [doc, version, timeZone, weddingDate]);
  const [eventId, setEventId] = useState(eventFromHash);
  const [entries, setEntries] = useState<ActivityEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<{ loading: boolean; error: string | null }>({ loading: true, error: null });
  const [reload, setReload] = useState(0);

  const load = async (after: string | null, signal?: AbortSignal) => {
    const q = new URLSearchParams({ limit: String(PAGE), ...(eventId ? { entity: `timeline:${eventId}` } : {}), ...(after ? { cursor: after } : {}) });
    setState({ loading: true, error: null });
    try {
      const page = await apiRequest(`/api/weddings/${encodeURIComponent(weddingId)}/activity?${q}`, { token, schema: ActivityResponse, ...(signal ? { signal } : {}) });
      setEntries((prev) => (after ? [...prev, ...page.entries] : page.entries));
      setCursor(page.nextCursor);
      setState({ loading: false, error: null });
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      setState({ loading: false, error: describeApiError(error, 'The activity') });
    }
  };

  useEffect(() => {
    const abort = new AbortController();
    void load(null, abort.signal);
    return () => abort.abort();
  }, [weddingId, token, eventId, reload]);

  // Changes arriving through the document: read the trail again once they have settled at the server.
  const seenVersion = useRef(version);
  useEffect(() => {
    if (seenVersion.current === version) return;
    seenVersion.current = version;
    const timer = setTimeout(() => setReload((n) => n + 1), 1500);
    return () => clearTimeout(timer);
  }, [version]);

  const lines = useMemo(() => activityLines(entries, facts), [entries, facts]);
  const chosen = events.find((e) => e.id === eventId);

  return (
    <section aria-labelledby="activity-heading" class="activity">
      <div class="section-head">
        <h2 id="activity-heading">Activity</h2>
        <button type="button" onClick={() => setReload((n) => n + 1)} disabled={state.loading}>Refresh</button>
      </div>
      <p class="hint">Who changed what, and when: every change to this wedding, newest first, with the value before it. Times are in {timeZone}.</p>
      <div class="field activity-filter">
        <label for="activity-event">Show changes to</label>
        <select id="activity-event" value={eventId} onChange={(e) => {
          const id = (e.target as HTMLSelectElement).value;
          setEventId(id);
          history.replaceState(null, '', `${location.pathname}${id ? `#event-${id}` : ''}`);
        }}>
          <option value="">The whole wedding</option>
          {events.map((e) => <option key={e.id} value={e.id}>{e.title} ({whenWords(e.start, timeZone)})</option>)}
          {eventId && !chosen && <option value={eventId}>A deleted event</option>}
        </select>
      </div>
      {state.error && <p class="form-errors" role="alert">{state.error}</p>}
      {!state.loading && !state.error && lines.length === 0 && <p class="empty">No changes recorded{chosen ? ` for ${chosen.title}` : ''} yet.</p>}
      {lines.length > 0 && (
        <ol class="activity-list" aria-label={chosen ? `Changes to ${chosen.title}` : 'Changes to the wedding'}>
          {lines.map((l) => (
            <li key={l.key} class="activity-line">
              <p class="activity-when"><time dateTime={l.at}>{whenWords(l.at, timeZone)}</time></p>
              <p class="activity-what">
                <strong>{actorWords(l.actor)}</strong>{' '}
                {l.eventId ? <Sentence parts={[{ eventId: l.eventId, text: l.subject }]} weddingId={weddingId} navigate={navigate} /> : l.subject}
                {': '}{l.summary}
              </p>
            </li>
          ))}
        </ol>
      )}
      <p role="status" class="muted">{state.loading ? 'Loading…' : ''}</p>
      {cursor && !state.loading && <button type="button" onClick={() => void load(cursor)}>Show older changes</button>}
    </section>
  );
}
