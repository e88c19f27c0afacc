import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Person } from '../../schema/api/people.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { Session, SessionStore } from '../people/session-store.ts';
import type { AppEnv } from './auth-middleware.ts';
import { clientAddress } from './client-address.ts';
import { escapeHtml, plainPage } from './plain-page.ts';
import { SESSION_COOKIE, sameSecret, openSession } from './session-middleware.ts';
import { personForEmail } from '../people/person-for-email.ts';
import type { WayBackIn } from '../people/way-back-in.ts';
import type { SignInDeps } from './sign-in-routes.ts';

/** What asking before a sign-in replaces a session needs: sign-in's own dependencies. */
export type SignInReplacingDeps = Pick<SignInDeps, 'people' | 'sessions' | 'links' | 'secureCookie' | 'wayBackIn'> & {
  limits: Pick<SignInDeps['limits'], 'callbacksPerIp'>;
};

/**
 * The person this browser is signed in as, when a sign-in here as someone else would leave them no
 * way back in: their account has no e-mail address, no passkey and no account at a provider this
 * server signs in with (they joined a wedding with a name only), and the session is not the demo's (a shared account anyone
 * starts again). Null when signing in here loses nothing.
 */
export async function strandedBySignIn(c: Context, deps: { people: Pick<PeopleStore, 'getPerson'>; sessions: Pick<SessionStore, 'authenticate'>; wayBackIn: WayBackIn }): Promise<{ person: Person; session: Session } | null> {
  const session = await deps.sessions.authenticate(getCookie(c, SESSION_COOKIE));
  if (!session) return null;
  const person = await deps.people.getPerson(session.personId);
  if (!person || await deps.wayBackIn.canSignInAgain(person, session)) return null;
  return { person, session };
}

/** What the person who would be signed out loses, in the pages' words. */
const strandedWords = (name: string) => `This browser is signed in as ${name}, an account with no e-mail address: this browser is its only way in.`;

/**
 * The page a provider's sign-in (GET /api/auth/oidc/{id}/callback) answers instead, in a browser
 * whose account would be lost (strandedBySignIn), 409: nothing happened. It offers no "sign in
 * anyway": the provider's answer is not kept. Signing out first (the app warns) is the way.
 */
export function strandingPage(c: Context, stranded: { person: Person }, provider: string): Response {
  const name = `<strong>${escapeHtml(stranded.person.name)}</strong>`;
  return c.html(plainPage('Not signed in', `<h1>Not signed in with ${escapeHtml(provider)}</h1>
<p>${strandedWords(name)} Signing in here with ${escapeHtml(provider)} would sign ${name} out, and ${name} could then get back in only with a new invitation from the planner. Nothing changed.</p>
<p>To sign in with ${escapeHtml(provider)} here, first add an e-mail address to ${name} on <em>Your weddings</em>, or sign out there (you will be asked). Or use another browser.</p>
<p><a href="/">Back to WedSync</a></p>`), 409);
}

/**
 * The page a sign-in link opens instead of signing in, when this browser's account would be lost
 * (strandedBySignIn): names both, offers to stay (and add an address first), and signs in only by
 * its form (POST /api/auth/email-link/sign-in with the session's CSRF token). Uses nothing up.
 */
export function replacingPage(c: Context, stranded: { person: Person; session: Session }, email: string, token: string): Response {
  const name = `<strong>${escapeHtml(stranded.person.name)}</strong>`;
  const address = `<strong>${escapeHtml(email)}</strong>`;
  return c.html(plainPage('Sign in as someone else?', `<h1>Sign in as ${escapeHtml(email)}?</h1>
<p>${strandedWords(name)} Signing in here as ${address} signs ${name} out, and ${name} could then get back in only with a new invitation from the planner.</p>
<p><a href="/">Stay signed in as ${escapeHtml(stranded.person.name)}</a>. You can add an e-mail address to that account on <em>Your weddings</em>, then open this link again (it works for 15 minutes from when it was sent), or open it in another browser.</p>
<form method="post" action="/api/auth/email-link/sign-in"><input type="hidden" name="token" value="${escapeHtml(token)}"><input type="hidden" name="csrf" value="${escapeHtml(stranded.session.csrfToken)}">
<button type="submit">Sign in as ${escapeHtml(email)}</button></form>`));
}

/**
 * `POST /api/auth/email-link/sign-in` (form: `token`, `csrf`): the sign-in the replacing page
 * offers. It needs the browser's session and that session's CSRF token (403 page otherwise, nothing
 * changed: another site's form cannot sign a visitor out by it); then the link is used up as the
 * callback would, and 303 to its app path, or to `/?signin_error=link_used|link_expired`. A token
 * that is no link, or a link adding an address, is a 400 page; nothing signs in.
 */
export function signInReplacingRoutes(deps: SignInReplacingDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/auth/email-link/sign-in', async (c) => {
    const limited = await deps.limits.callbacksPerIp.consume(c, clientAddress(c));
    if (limited) return limited;
    c.header('Cache-Control', 'no-store');
    const form = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
    const token = typeof form.token === 'string' ? form.token : '';
    const csrf = typeof form.csrf === 'string' ? form.csrf : '';
    const peek = await deps.links.peek(token);
    if (!peek || peek.personId) return c.html(plainPage('Not a valid link', '<h1>This link is not valid</h1><p>Ask for a new sign-in link.</p>'), 400);
    // The page is shown only to a browser with a session, so a press comes with it and its token.
    // NOTE: never "no session, no check": another site's form POST reaches here without the cookie
    // (SameSite=Lax), and the cookie this sets would then replace the visitor's session all the same.
    const current = await deps.sessions.authenticate(getCookie(c, SESSION_COOKIE));
    if (!current || !sameSecret(csrf, current.csrfToken)) {
      return c.html(plainPage('Not signed in', '<h1>Nothing changed</h1><p>Open the sign-in link again from your e-mail.</p><p><a href="/">Continue to WedSync</a></p>'), 403);
    }
    const redeemed = await deps.links.redeem(token);
    if (!redeemed.ok) return c.redirect(`/?signin_error=${redeemed.code}`, 303);
    const person = await personForEmail(deps.people, redeemed.email);
    await openSession(c, deps.sessions, person.id, 'email_link', deps.secureCookie());
    return c.redirect(redeemed.redirect, 303);
  });
  return app;
}
