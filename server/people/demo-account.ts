import type { SessionStore } from './session-store.ts';

/**
 * Whether `personId` is the demo's shared planner account: every visitor of an anonymous demo signs
 * in to it (a `demo` session; or by a passkey one of them registered on it), so no one visitor's
 * e-mail address may be given to it. Read by `POST /api/me/email` (403 `demo_forbidden`) and
 * `GET /api/me` (`canAddEmail`).
 */
export async function isSharedDemoAccount(personId: string, sessions: Pick<SessionStore, 'listFor'>): Promise<boolean> {
  return (await sessions.listFor(personId)).some((s) => s.method === 'demo');
}
