import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { DemoRefusalBody, type DemoStatus, type Person } from '../../schema/index.ts';
import type { DemoService } from '../demo/demo-service.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import { HttpError } from './http-error.ts';
import { SESSION_COOKIE, checkCsrf, requireSession, openSession, type SessionEnv } from './session-middleware.ts';

export interface DemoRouteDeps {
  demo: DemoService;
  people: PeopleStore;
  sessions: SessionStore;
  /** Whether cookies are Secure (the public URL is https). */
  secureCookie: () => boolean;
}

/**
 * `GET /api/demo` without the demo: `{ enabled: false, … }`, so the app can ask on every first
 * screen without a failed request; nothing else of the demo exists then (404).
 */
export function demoOffRoutes(): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  app.get('/demo', (c) => c.json({ enabled: false, canStart: false, running: false, story: null, setup: null } satisfies DemoStatus));
  return app;
}

/**
 * `/api/demo…` (mounted only with DEMO=1 or `--demo`; docs/operations.md#demo):
 * - `GET /api/demo`: `{ enabled, canStart, running, story, setup }`, the story for the demo's owner
 *   only, `setup.step` while the demo is being set up (anyone: it lets the pressing page show progress);
 * - `POST /api/demo/start` (JSON): starts the sandboxes and the demo studio. A signed-in caller
 *   (with X-CSRF-Token) must be the data directory's first person; with nobody signed in it works
 *   only while nobody has signed up, and signs in a new "Demo planner" (session cookie). While a
 *   demo started that way runs, a caller with no session joins it (200, a new session for the
 *   demo planner). 403 `demo_forbidden`, 409 `demo_running`;
 * - `POST /api/demo/inquiry`, `POST /api/demo/payment` (owner's session): the story's moments;
 * - `POST /api/demo/refusal` `{ refusing }` (owner's session): the Google Calendar sandbox refuses
 *   every change the hub sends (400), or stops refusing: a sandbox-only switch, so a person can
 *   see a change become a dead letter and replay it (demo-refusal.ts). 400 `validation_failed`.
 */
export function demoRoutes(deps: DemoRouteDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const session = requireSession(deps.sessions, deps.people);

  /** The signed-in person, or null; a write by a signed-in person must carry its CSRF token. */
  const caller = async (c: Context<SessionEnv>, write: boolean): Promise<Person | null> => {
    const s = await deps.sessions.authenticate(getCookie(c, SESSION_COOKIE));
    if (!s) return null;
    if (write) checkCsrf(c, s);
    return deps.people.getPerson(s.personId);
  };

  app.get('/demo', async (c) => {
    const person = await caller(c, false);
    const id = person?.id ?? null;
    const status: DemoStatus = {
      enabled: true, canStart: deps.demo.canStart(id), running: deps.demo.isRunning,
      story: deps.demo.owns(id) ? await deps.demo.story(id!) : null,
      setup: deps.demo.setupStep ? { step: deps.demo.setupStep } : null,
    };
    return c.json(status);
  });

  app.post('/demo/start', async (c) => {
    // A JSON body cannot be sent cross-site without a CORS preflight this server never grants:
    // another site cannot start the demo (and sign a visitor in as its planner).
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      throw new HttpError(415, 'unsupported_media_type', 'send Content-Type: application/json');
    }
    const person = await caller(c, true);
    const started = await deps.demo.start(person);
    if (!person) {
      await openSession(c, deps.sessions, started.person.id, 'demo', deps.secureCookie());
    }
    return c.json({ workspaceId: started.workspaceId, weddingId: started.weddingId }, started.joined ? 200 : 201);
  });

  app.post('/demo/inquiry', session, async (c) => c.json(await deps.demo.simulateInquiry(c.get('person').id)));
  app.post('/demo/payment', session, (c) => c.json(deps.demo.simulatePayment(c.get('person').id)));
  app.post('/demo/refusal', session, async (c) => {
    const body = DemoRefusalBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) throw new HttpError(400, 'validation_failed', 'send { "refusing": true } or { "refusing": false }');
    return c.json(deps.demo.setRefusal(c.get('person').id, body.data.refusing));
  });
  return app;
}
