import { useEffect, useRef, useState } from 'preact/hooks';
import { DEMO_SETUP_STEPS, type DemoSetupStep } from '../../../../schema/api/demo.ts';
import { describeApiError, type Csrf } from '../api/api-client.ts';
import { fetchDemo, startDemo } from './demo-api.ts';

interface Props {
  /** The session's CSRF token when someone is signed in; without one the server signs a demo planner in. */
  csrf?: Csrf;
}

/** How often the page asks how far the set-up got while it waits (GET /api/demo `setup`). */
const PROGRESS_POLL_MS = 400;

/** Each set-up step in the visitor's words. */
const STEP_WORDS: Record<DemoSetupStep, string> = {
  sandboxes: 'Starting the Táve, Google Calendar and Stripe sandboxes',
  studio: 'Making the demo studio and Ana & Ben’s wedding',
  vsco: 'Connecting Táve',
  google: 'Connecting Google Calendar',
  stripe: 'Connecting Stripe',
  payments: 'Asking Stripe for the photographer’s deposit and balance',
};

/**
 * "Try the demo": offered only when the server runs with the demo and says this caller may start
 * it (a first run, or the first person signed in). Starting sets up the demo studio and opens
 * `/demo` with a fresh load, so the app reads the session the server may just have opened.
 * The set-up takes a few seconds (trial 23: nothing seemed to happen for about 9 s), so the press
 * shows at once: the button is disabled (a second press starts nothing), the section is
 * `aria-busy`, and a status lists the server's set-up steps as it reports them.
 */
export function TryDemo({ csrf }: Props) {
  // 'join': the demo runs for a visitor with no account (e.g. one whose tab closed during set-up):
  // the same button signs this browser in as its demo planner.
  const [offered, setOffered] = useState<'start' | 'join' | 'open' | null>(null);
  const [busy, setBusy] = useState(false);
  const [step, setStep] = useState<DemoSetupStep | 'ready' | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Set synchronously on the first press: a second press before the re-render starts nothing.
  const pressed = useRef(false);

  useEffect(() => {
    const controller = new AbortController();
    fetchDemo(controller.signal).then((s) => setOffered(s?.canStart ? (s.running ? 'join' : 'start') : s?.story ? 'open' : null), () => setOffered(null));
    return () => controller.abort();
  }, []);

  useEffect(() => {
    if (!busy) return;
    const controller = new AbortController();
    const timer = setInterval(() => {
      fetchDemo(controller.signal).then((s) => { if (s?.setup) setStep((now) => (now === 'ready' ? now : s.setup!.step)); }, () => undefined);
    }, PROGRESS_POLL_MS);
    return () => { controller.abort(); clearInterval(timer); };
  }, [busy]);

  if (!offered) return null;
  if (offered === 'open') {
    return (
      <section class="try-demo" aria-labelledby="try-demo-heading">
        <h2 id="try-demo-heading">The demo studio</h2>
        <p>The demo is running on this server. <a href="/demo">Open the demo studio</a></p>
      </section>
    );
  }
  const start = async () => {
    if (pressed.current) return;
    pressed.current = true;
    setBusy(true);
    setStep(null);
    setError(null);
    try {
      await startDemo(csrf);
      setStep('ready');
      location.assign('/demo');
    } catch (err) {
      setError(describeApiError(err, 'Starting the demo'));
      setBusy(false);
      pressed.current = false;
    }
  };
  const joining = offered === 'join';
  return (
    <section class="try-demo" aria-labelledby="try-demo-heading" aria-busy={busy ? 'true' : 'false'}>
      <h2 id="try-demo-heading">{joining ? 'The demo is set up on this server' : 'New here? Try the demo'}</h2>
      <p>{joining && 'It is ready: continue as its demo planner. '}
        Sets up a demo studio connected to VSCO Workspace (Táve), Google Calendar and Stripe sandboxes running inside this
        server: watch an inquiry become a wedding, a timeline change reach a calendar and a payment reach the budget.
      </p>
      {error && <p class="notice" role="alert">{error}</p>}
      <button type="button" class="primary" disabled={busy} onClick={() => void start()}>{busy ? (joining ? 'Joining the demo…' : 'Starting the demo…') : joining ? 'Continue the demo' : 'Try the demo'}</button>
      <div class="demo-progress" role="status" aria-live="polite">
        {busy && <SetupProgress step={step} joining={joining} />}
      </div>
    </section>
  );
}

function SetupProgress({ step, joining }: { step: DemoSetupStep | 'ready' | null; joining: boolean }) {
  if (step === 'ready') return <p>The demo is ready: opening the demo studio…</p>;
  const at = step ? DEMO_SETUP_STEPS.indexOf(step) : -1;
  return (
    <>
      <p>{joining ? 'Joining the demo…' : 'Starting the demo (this takes a few seconds)…'}</p>
      {!joining && (
        <ol class="demo-steps">
          {DEMO_SETUP_STEPS.map((s, i) => {
            const state = i < at ? 'done' : i === at ? 'now' : 'waiting';
            return (
              <li key={s} data-state={state}>
                {STEP_WORDS[s]}<span class="muted">{state === 'done' ? ': done' : state === 'now' ? ': now…' : ''}</span>
              </li>
            );
          })}
        </ol>
      )}
    </>
  );
}
