import { useCallback, useEffect, useState } from 'preact/hooks';
import { formatMoney } from '../../../../schema/document/money.ts';
import type { Account } from '../account/offline-identity.ts';
import { describeApiError } from '../api/api-client.ts';
import type { Route } from '../routing/routes.ts';
import { linkHandler } from '../routing/use-route.ts';
import { clockLabel, dateInZone, longDate, shortDate } from '../timeline/zoned-time.ts';
import { relativeTime } from '../ui/labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { fetchDemo, setRefusal, simulateInquiry, simulatePayment, type DemoStatus } from './demo-api.ts';

type Story = NonNullable<DemoStatus['story']>;

/** How often the page asks for the story: a webhook's effect shows within this. */
const POLL_MS = 1500;

interface Props {
  me: Account;
  navigate(route: Route): void;
}

/**
 * `/demo`: the demo studio's story (docs/planner-app.md#the-demo-wedding). The buttons act in the
 * sandboxes as the couple would (the studio's contact form, Stripe's invoice page); what the page
 * then shows comes back from the hub (the studio's weddings, the budget) and from the Google
 * Calendar sandbox (the studio's calendar as Google holds it).
 */
export function DemoView({ me, navigate }: Props) {
  const announce = useAnnounce();
  const [status, setStatus] = useState<DemoStatus | null | 'loading'>('loading');
  /** An action's refusal: kept until the next action, whatever the polls find. */
  const [error, setError] = useState<string | null>(null);
  /** Why the last poll failed: cleared by the next poll that succeeds. */
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'inquiry' | 'payment' | 'refusal' | null>(null);
  const [sent, setSent] = useState<{ inquiry?: string; payment?: string }>({});

  const load = useCallback(async (signal?: AbortSignal) => {
    try {
      setStatus(await fetchDemo(signal));
      setLoadError(null);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setLoadError(describeApiError(err, 'The demo'));
    }
  }, []);
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    const timer = setInterval(() => void load(controller.signal), POLL_MS);
    return () => { controller.abort(); clearInterval(timer); };
  }, [load]);

  const act = async (which: 'inquiry' | 'payment') => {
    setBusy(which);
    setError(null);
    try {
      if (which === 'inquiry') {
        const r = await simulateInquiry(me.csrfToken);
        const line = `${r.couple} sent an inquiry through the studio's website for ${longDate(r.date)}.`;
        setSent((s) => ({ ...s, inquiry: line }));
        announce(line);
      } else {
        const r = await simulatePayment(me.csrfToken);
        const line = `The couple paid ${formatMoney(r.amount, r.currency)} on Stripe.`;
        setSent((s) => ({ ...s, payment: line }));
        announce(line);
      }
      await load();
    } catch (err) {
      setError(describeApiError(err, which === 'inquiry' ? 'Simulating an inquiry' : 'Simulating a payment'));
    } finally {
      setBusy(null);
    }
  };

  const toggleRefusal = async (refusing: boolean) => {
    setBusy('refusal');
    setError(null);
    try {
      await setRefusal(me.csrfToken, refusing);
      announce(refusing ? 'Google Calendar now refuses every change WedSync sends.' : 'Google Calendar accepts changes again.');
      await load();
    } catch (err) {
      setError(describeApiError(err, refusing ? 'Making Google Calendar refuse changes' : 'Letting Google Calendar accept changes'));
    } finally {
      setBusy(null);
    }
  };

  if (status === 'loading') return <main id="main" class="demo"><p class="muted" role="status">Loading the demo…</p></main>;
  const story = status?.story;
  if (!story) {
    return (
      <main id="main" class="demo">
        <h1>The demo studio</h1>
        <p role="status">{status === null ? 'This server runs without the demo (start it with npm start -- --demo).' : 'The demo is not running for you on this server.'}</p>
        <a href="/" onClick={linkHandler(navigate, { name: 'picker' })}>Your weddings</a>
      </main>
    );
  }
  const demoWedding = story.weddings.find((w) => w.id === story.weddingId);
  const inquiries = story.weddings.filter((w) => w.fromInquiry);
  const weddingRoute = (id: string): Route => ({ name: 'wedding', weddingId: id, view: 'timeline' });
  return (
    <main id="main" class="demo">
      <h1>The demo studio</h1>
      <p>
        VSCO Workspace (Táve), Google Calendar and Stripe run as sandboxes inside this server, each speaking its system's own API.
        The studio is connected to them the way you would connect your own accounts; everything below travels through those connections.
      </p>
      {error && <p class="notice" role="alert">{error}</p>}
      {loadError && <p class="notice" role="alert">{loadError}</p>}

      <section aria-labelledby="demo-inquiry">
        <h2 id="demo-inquiry">1. An inquiry in Táve becomes a wedding</h2>
        <p>A couple fill in the studio's contact form; Táve tells WedSync, which makes a wedding of the studio from it.</p>
        <button type="button" disabled={busy !== null} onClick={() => void act('inquiry')}>Simulate: a new inquiry in Táve</button>
        {sent.inquiry && <p class="muted">{sent.inquiry}</p>}
        <h3>The studio's weddings</h3>
        <ul class="wedding-list" aria-live="polite">
          {story.weddings.map((w) => (
            <li key={w.id}>
              <a href={`/w/${w.id}/timeline`} onClick={linkHandler(navigate, weddingRoute(w.id))}>{w.title || 'A wedding without a title'}</a>
              {w.date && <span class="muted"> · {longDate(w.date)}</span>}
              {' '}<span class="tag">{w.fromInquiry ? 'From a Táve inquiry' : 'Demo wedding'}</span>
            </li>
          ))}
        </ul>
        {inquiries.length === 0 && <p class="muted">No wedding from an inquiry yet.</p>}
      </section>

      <section aria-labelledby="demo-calendar">
        <h2 id="demo-calendar">2. A timeline change reaches the calendar</h2>
        <p>
          Open <a href={`/w/${story.weddingId}/timeline`} onClick={linkHandler(navigate, weddingRoute(story.weddingId))}>{demoWedding?.title || 'the demo wedding'}'s timeline</a>,
          move an event, and come back: the studio's Google calendar below shows the new time within seconds.
        </p>
        <CalendarPanel calendar={story.calendar} weddingDate={demoWedding?.date ?? ''} />
      </section>

      <section aria-labelledby="demo-budget">
        <h2 id="demo-budget">3. A payment reaches the budget</h2>
        <p>The photographer's fee is asked for in two Stripe invoices. Paying one sends Stripe's signed webhook to WedSync.</p>
        <button type="button" disabled={busy !== null || story.openInvoices === 0} onClick={() => void act('payment')}>Simulate: a payment in Stripe</button>
        {story.openInvoices === 0 && <p class="muted">Every invoice is paid.</p>}
        {sent.payment && <p class="muted">{sent.payment}</p>}
        <BudgetTotals budget={story.budget} title={demoWedding?.title ?? ''} />
      </section>

      <section aria-labelledby="demo-refusal">
        <h2 id="demo-refusal">4. A change a system refuses, then Replay</h2>
        <p>
          A real system sometimes refuses a change for good. Here you can make the Google Calendar sandbox do so (a switch
          that exists only in the demo): turn it on, move an event in {weddingTitle(demoWedding)}'s timeline, and the change waits under
          {' '}<em>Changes a system refused</em> in the wedding's{' '}
          <a href={`/w/${story.weddingId}/integrations`} onClick={linkHandler(navigate, { name: 'wedding', weddingId: story.weddingId, view: 'integrations' })}>Integrations</a>,
          saying what it was and why. Turn the switch off, then press <em>Replay</em> there: the change reaches the calendar.
        </p>
        <button type="button" class="demo-refusal" aria-pressed={story.refusing ? 'true' : 'false'} disabled={busy !== null}
          onClick={() => void toggleRefusal(!story.refusing)}>Sandbox only: Google Calendar refuses changes</button>
        <p role="status" class="demo-refusal-state">
          {story.refusing ? 'On: Google Calendar refuses every change WedSync sends it.' : 'Off: Google Calendar accepts changes.'}
          {' '}{story.refused === 0 ? 'No change is waiting for Replay.' : story.refused === 1 ? '1 change is waiting for Replay in the wedding’s Integrations.' : `${story.refused} changes are waiting for Replay in the wedding’s Integrations.`}
        </p>
      </section>
    </main>
  );
}

const weddingTitle = (w: Story['weddings'][number] | undefined) => w?.title || 'the demo wedding';

function CalendarPanel({ calendar, weddingDate }: { calendar: Story['calendar']; weddingDate: string }) {
  const zone = calendar.timeZone;
  return (
    <figure class="demo-calendar">
      <figcaption>Google Calendar: {calendar.name} ({zone.replace(/_/g, ' ')})</figcaption>
      {calendar.events.length === 0 ? <p class="muted" role="status">No events on the calendar yet.</p> : (
        <table>
          <thead><tr><th scope="col">Event</th><th scope="col">When</th><th scope="col">Where</th><th scope="col">Changed</th></tr></thead>
          <tbody>
            {calendar.events.map((e) => {
              const day = dateInZone(e.start, zone);
              return (
                <tr key={e.id}>
                  <th scope="row">{e.title}</th>
                  <td data-label="When">{day !== weddingDate && `${shortDate(day)} `}{clockLabel(e.start, zone)}–{clockLabel(e.end, zone)}</td>
                  <td data-label="Where">{e.location}</td>
                  <td data-label="Changed">{relativeTime(e.updated || null)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </figure>
  );
}

function BudgetTotals({ budget, title }: { budget: Story['budget']; title: string }) {
  const currencies = Object.keys(budget).sort();
  if (currencies.length === 0) return <p class="muted">No payments planned yet.</p>;
  return (
    <table class="demo-budget">
      <caption>{title ? `${title}: budget` : 'Budget'}</caption>
      <thead><tr><th scope="col">Currency</th><th scope="col">Planned</th><th scope="col">Paid</th><th scope="col">Outstanding</th></tr></thead>
      <tbody>
        {currencies.map((c) => {
          const t = budget[c]!;
          return (
            <tr key={c}>
              <th scope="row">{c}</th>
              <td data-label="Planned">{formatMoney(t.planned, c)}</td>
              <td data-label="Paid">{formatMoney(t.paid, c)}</td>
              <td data-label="Outstanding">{formatMoney(t.outstanding, c)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
