import type { Person, Workspace, WorkspaceKind } from '../../schema/api/people.ts';
import { CSRF_HEADER, SESSION_COOKIE } from '../../server/http/session-middleware.ts';
import type { Session } from '../../server/people/session-store.ts';
import type { TestServer } from './test-server.ts';

/** A signed-in browser: its session cookie and CSRF token, sent on every request. */
export interface Browser {
  person: Person;
  session: Session;
  cookie: string;
  /** Fetches with the session cookie, and the CSRF header unless `csrf: false`. */
  fetch(pathname: string, init?: RequestInit & { csrf?: boolean; json?: unknown }): Promise<Response>;
  /** A fresh access token for one wedding (POST /api/auth/token). */
  accessToken(weddingId: string): Promise<string>;
}

/**
 * Creates (or finds) a person by e-mail and opens a real session for them in the server's session
 * store, as a completed sign-in would; tests of the sign-in flows themselves go through the HTTP routes.
 */
export async function signedIn(t: TestServer, email: string, name = email.split('@')[0]!): Promise<Browser> {
  const person = (await t.server.people.findPersonByEmail(email)) ?? (await t.server.people.createPerson({ email, name }));
  const { session, cookieValue } = await t.server.sessions.create({ personId: person.id, method: 'test' });
  const cookie = `${SESSION_COOKIE}=${cookieValue}`;
  const browser: Browser = {
    person, session, cookie,
    fetch(pathname, init = {}) {
      const { csrf = true, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      headers.set('cookie', cookie);
      if (csrf) headers.set(CSRF_HEADER, session.csrfToken);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(t.httpUrl + pathname, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json), method: rest.method ?? 'POST' } : {}) });
    },
    async accessToken(weddingId) {
      const res = await browser.fetch('/api/auth/token', { json: { weddingId } });
      if (res.status !== 200) throw new Error(`POST /api/auth/token ${weddingId}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
  };
  return browser;
}

/** A workspace owned by `owner`, with a wedding registered in it for each id. */
export async function workspaceWith(t: TestServer, owner: Browser, name: string, weddingIds: string[] = [], kind: WorkspaceKind = 'planner'): Promise<Workspace> {
  const ws = await t.server.people.createWorkspace({ name, kind }, owner.person.id);
  for (const id of weddingIds) await t.server.people.registerWedding({ id, workspaceId: ws.id, createdBy: owner.person.id });
  return ws;
}
