import { z } from 'zod';
import { ApiError, apiRequest } from '../api/api-client.ts';

/**
 * Sign-outs this device still owes the server (docs/planner-app.md "Signing out"). Signing out
 * offline cannot reach `POST /api/auth/sign-out`, and the session cookie is httpOnly, so the app
 * cannot delete it: the session would stay alive on the server. So the sign-out is written down here
 * and sent as soon as the server answers (`POST /api/auth/sign-out/deferred`): on the `online`
 * event, on a timer while any is owed, and on the next app start if the tab was closed first.
 *
 * What is kept is each session's sign-out token (`GET /api/me` → signOutToken), which the server
 * accepts for that one thing only: never the CSRF token, which with the cookie would open everything.
 * While one is owed the app shows nobody signed in and does not ask `GET /api/me`.
 */
const STORAGE_KEY = 'wedsync.sign-out-pending';
/** How often an owed sign-out is retried while the browser says it is online but the server did not answer, ms. */
export const RETRY_EVERY_MS = 15_000;

const Owed = z.array(z.string());

function read(): string[] {
  try {
    const parsed = Owed.safeParse(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]'));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

function write(tokens: string[]): void {
  try {
    if (tokens.length === 0) localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens));
  } catch {
    // Storage disabled: the sign-out is then only as good as the attempt made now.
  }
}

/** Writes down that this session's sign-out is owed to the server (before anything is sent). */
export function oweSignOut(signOutToken: string): void {
  const owed = read();
  if (!owed.includes(signOutToken)) write([...owed, signOutToken]);
}

/** True while a sign-out made on this device has not reached the server. */
export function signOutOwed(): boolean {
  return read().length > 0;
}

let sending: Promise<boolean> | null = null;

/**
 * Sends every owed sign-out. A 204, or a 4xx (the server knows no such session: nothing is left to
 * end), settles one; no network or a 5xx keeps it for the next try. Resolves true when none is owed.
 * Calls made while one is running share it.
 */
export function sendOwedSignOuts(): Promise<boolean> {
  sending ??= (async () => {
    for (const signOutToken of read()) {
      try {
        await apiRequest('/api/auth/sign-out/deferred', { method: 'POST', body: { signOutToken }, schema: z.unknown() });
      } catch (error) {
        const settled = error instanceof ApiError && error.status !== undefined && error.status >= 400 && error.status < 500;
        if (!settled) continue;
      }
      write(read().filter((t) => t !== signOutToken));
    }
    return read().length === 0;
  })().finally(() => { sending = null; });
  return sending;
}

/**
 * Keeps sending owed sign-outs until none is left: now, when the browser comes online, and every
 * RETRY_EVERY_MS (the browser may say online while the server is still out of reach). Returns the
 * stop function.
 */
export function keepSendingOwedSignOuts(): () => void {
  const attempt = () => {
    if (signOutOwed()) void sendOwedSignOuts();
  };
  addEventListener('online', attempt);
  const timer = setInterval(attempt, RETRY_EVERY_MS);
  attempt();
  return () => {
    removeEventListener('online', attempt);
    clearInterval(timer);
  };
}
