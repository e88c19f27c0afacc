import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isKnownTimeZone } from '../../../sdk/index.ts';
import { dateInZone } from '../../../../schema/document/budget.ts';
import { PaymentCells } from '../budget/payment-cells.tsx';
import { milestoneLabel } from '../budget/payment-state.ts';
import { ApiError, describeApiError } from '../api/api-client.ts';
import type { Account } from '../account/offline-identity.ts';
import type { Route } from '../routing/routes.ts';
import { linkHandler } from '../routing/use-route.ts';
import { relativeTime } from '../ui/labels.ts';
import { longDate } from '../timeline/zoned-time.ts';
import { fetchMySchedule, storeSchedule, storedSchedule, type ScheduleEvent, type ScheduleWedding } from './schedule-api.ts';
import { ScheduleEventItem } from './schedule-event.tsx';
import { VendorRecordForm } from './vendor-record-form.tsx';
import { BringToBusiness } from './bring-to-business.tsx';

interface Props {
  /** Null when the server could not be reached: the copy kept on this browser is shown. */
  me: Account | null;
  navigate(route: Route): void;
}

/** How often an open My schedule asks the server again (ms), as the Inbox does. */
export const SCHEDULE_REFRESH_MS = 5_000;

/** An event's times before a change: `weddingId/eventId` → them. */
export interface EventTimes { start: string; end: string }

/** The events of `next` whose start or end differ from `before` (null: nothing seen yet), with their times before. */
export function movedEvents(before: readonly ScheduleWedding[] | null, next: readonly ScheduleWedding[]): Map<string, EventTimes> {
  const out = new Map<string, EventTimes>();
  if (!before) return out;
  const old = new Map(before.flatMap((w) => w.events.map((e) => [`${w.weddingId}/${e.eventId}`, e] as const)));
  for (const w of next) {
    for (const e of w.events) {
      const was = old.get(`${w.weddingId}/${e.eventId}`);
      if (was && (was.start !== e.start || was.end !== e.end)) out.set(`${w.weddingId}/${e.eventId}`, { start: was.start, end: was.end });
    }
  }
  return out;
}

type Source = { kind: 'loading' } | { kind: 'server' } | { kind: 'offline'; savedAt: number } | { kind: 'failed'; message: string };

/**
 * "My schedule": a vendor's events across every wedding it works on (GET /api/me/schedule), with
 * call times it may change, the events' places and notes, who else is on each, and its own
 * payments. The last answer is kept on this browser, so the schedule opens offline (docs/planner-app.md).
 */
export function MySchedule({ me, navigate }: Props) {
  const personId = me?.person.id ?? null;
  // The copy kept on this browser, read once: shown first, and what "moved since you last looked" compares with.
  const [kept] = useState(() => storedSchedule(personId)?.weddings ?? null);
  const [weddings, setWeddings] = useState<ScheduleWedding[] | null>(kept);
  const [source, setSource] = useState<Source>({ kind: 'loading' });
  // Events whose times changed since this person last looked (the kept copy, then each refresh).
  const [moved, setMoved] = useState<ReadonlyMap<string, EventTimes>>(new Map());
  const seen = useRef<ScheduleWedding[] | null>(kept);

  // Read now, every SCHEDULE_REFRESH_MS while the page is shown, and at once when the browser comes
  // back online or the page is shown again (vendor trial: a ceremony moved by 30 minutes never
  // reached an open My schedule, and back online it still said offline).
  const inFlight = useRef(false);
  const load = useCallback(async (signal: AbortSignal) => {
    // One read at a time: a slow answer arriving after a newer one would put old times back.
    if (inFlight.current) return;
    const offline = (message: string) => {
      const kept = storedSchedule(personId);
      if (kept) {
        setWeddings(kept.weddings);
        setSource({ kind: 'offline', savedAt: kept.savedAt });
      } else {
        setSource({ kind: 'failed', message });
      }
    };
    if (!me) return offline('Your schedule needs a connection the first time; you appear to be offline.');
    inFlight.current = true;
    try {
      const list = await fetchMySchedule(signal);
      const changes = movedEvents(seen.current, list);
      if (changes.size > 0) setMoved((old) => new Map([...old, ...changes]));
      seen.current = list;
      setWeddings(list);
      setSource({ kind: 'server' });
      storeSchedule(me.person.id, list);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.code === 'offline') offline(describeApiError(error, 'Reading your schedule'));
      else setSource({ kind: 'failed', message: describeApiError(error, 'Reading your schedule') });
    } finally {
      inFlight.current = false;
    }
  }, [personId]);

  useEffect(() => {
    document.title = 'My schedule · WedSync';
    const controller = new AbortController();
    const now = () => { if (document.visibilityState === 'visible') void load(controller.signal); };
    now();
    const timer = setInterval(now, SCHEDULE_REFRESH_MS);
    window.addEventListener('online', now);
    document.addEventListener('visibilitychange', now);
    return () => {
      controller.abort();
      clearInterval(timer);
      window.removeEventListener('online', now);
      document.removeEventListener('visibilitychange', now);
    };
  }, [load]);

  const onSaved = (weddingId: string, saved: ScheduleEvent) => {
    setWeddings((list) => {
      const next = (list ?? []).map((w) => (w.weddingId !== weddingId ? w : { ...w, events: w.events.map((e) => (e.eventId === saved.eventId ? saved : e)) }));
      if (me) storeSchedule(me.person.id, next);
      return next;
    });
  };

  const onVendorSaved = (weddingId: string, vendor: ScheduleWedding['vendor']) => {
    setWeddings((list) => {
      const next = (list ?? []).map((w) => (w.weddingId !== weddingId ? w : { ...w, vendor }));
      if (me) storeSchedule(me.person.id, next);
      return next;
    });
  };

  const csrf = source.kind === 'server' && me ? me.csrfToken : null;
  // The person's businesses: a wedding they joined themselves can be brought into one.
  const businesses = me?.workspaces.filter((m) => m.workspace.kind !== 'planner').map((m) => ({ id: m.workspace.id, name: m.workspace.name })) ?? [];
  return (
    <main id="main" class="my-schedule" tabIndex={-1}>
      <h1>My schedule</h1>
      {source.kind === 'loading' && <p class="muted" role="status">Reading your schedule…</p>}
      {source.kind === 'offline' && (
        <p class="notice" role="status">You are offline. This is your schedule as it was {relativeTime(new Date(source.savedAt).toISOString())}; changes need a connection.</p>
      )}
      {source.kind === 'failed' && <p class="notice" role="alert">{source.message}</p>}
      {weddings && weddings.length === 0 && <p class="empty">You are not on any wedding as a vendor yet. A planner adds you with an invitation.</p>}
      {weddings?.map((w) => <ScheduleWeddingSection key={w.weddingId} wedding={w} csrf={csrf} navigate={navigate} moved={moved} onSaved={(e) => onSaved(w.weddingId, e)}
        businesses={me && me.weddings.some((x) => x.weddingId === w.weddingId && x.role === 'vendor' && x.via === 'participant') ? businesses : []}
        onVendorSaved={(v) => onVendorSaved(w.weddingId, v)} />)}
    </main>
  );
}

function ScheduleWeddingSection({ wedding: w, csrf, navigate, moved, businesses, onSaved, onVendorSaved }: {
  wedding: ScheduleWedding; csrf: string | null; navigate(route: Route): void; moved: ReadonlyMap<string, EventTimes>;
  /** The person's businesses, when they joined this wedding themselves (else empty). */
  businesses: readonly { id: string; name: string }[];
  onSaved(e: ScheduleEvent): void; onVendorSaved(v: ScheduleWedding['vendor']): void;
}) {
  const zone = w.timezone && isKnownTimeZone(w.timezone) ? w.timezone : null;
  // The wedding's own calendar day: a payment is overdue from its midnight, as in the budget.
  const today = dateInZone(Date.now(), zone ?? undefined);
  const headingId = `wedding-${w.weddingId}`;
  const go = (view: 'timeline' | 'run-of-show') => linkHandler(navigate, { name: 'wedding', weddingId: w.weddingId, view });
  return (
    <section class="schedule-wedding" aria-labelledby={headingId} data-wedding-id={w.weddingId}>
      <h2 id={headingId}>{w.title || 'Untitled wedding'}</h2>
      <p class="muted">
        {w.date ? longDate(w.date) : 'Date not set'}{w.venue ? ` · ${w.venue}` : ''} · {zone ? `times in ${zone}` : 'time zone not set'} · as {w.vendor.name}
      </p>
      <p class="actions">
        <a href={`/w/${w.weddingId}/timeline`} onClick={go('timeline')}>Open the wedding<span class="sr-only"> {w.title}</span></a>
        <a href={`/w/${w.weddingId}/inbox`}>Inbox<span class="sr-only"> of {w.title}</span></a>
        <a href={`/w/${w.weddingId}/run-of-show`} onClick={go('run-of-show')}>Run-of-show<span class="sr-only"> of {w.title}</span></a>
      </p>
      {!zone ? <p class="notice">This wedding has no time zone yet: its times are shown once the planner sets it.</p>
        : w.events.length === 0 ? <p class="empty">You are on no event of this wedding yet.</p> : (
          <ol class="schedule-events" aria-label={`Your events at ${w.title}`}>
            {w.events.map((e) => (
              <ScheduleEventItem key={e.eventId} weddingId={w.weddingId} event={e} weddingDate={w.date} timeZone={zone}
                ownVendorId={w.vendor.id} csrf={csrf} onSaved={onSaved} movedFrom={moved.get(`${w.weddingId}/${e.eventId}`)} />
            ))}
          </ol>
        )}
      {businesses.length > 0 && <BringToBusiness weddingId={w.weddingId} title={w.title || 'this wedding'} businesses={businesses} csrf={csrf} />}
      <VendorRecordForm weddingId={w.weddingId} vendor={w.vendor} csrf={csrf} onSaved={onVendorSaved} />
      <h3 class="payments-heading">Your payments</h3>
      {w.payments.length === 0 ? <p class="empty">No payments recorded.</p> : (
        <div class="table-wrap">
          <table class="schedule-payments">
            <caption class="sr-only">Your payments for {w.title}</caption>
            <thead><tr><th scope="col">Payment</th><th scope="col">Amount</th><th scope="col">Paid</th><th scope="col">Due</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {w.payments.map((p) => (
                <tr key={p.id}>
                  <th scope="row">{milestoneLabel(p)}</th>
                  <PaymentCells payment={p} asOf={today} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
