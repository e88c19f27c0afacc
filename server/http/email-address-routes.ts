import { Hono, type Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { AddEmailBody } from '../../schema/api/sign-in.ts';
import { readJson } from './body.ts';
import { clientAddress } from './client-address.ts';
import { HttpError } from './http-error.ts';
import { isSharedDemoAccount } from '../people/demo-account.ts';
import type { EmailLinkAddition, EmailLinkError } from '../people/email-link-store.ts';
import { escapeHtml, plainPage } from './plain-page.ts';
import { SESSION_COOKIE, requireSession, sameSecret, type SessionEnv } from './session-middleware.ts';
import type { SignInDeps } from './sign-in-routes.ts';

/** What adding an address needs of sign-in's own dependencies; only the link budgets are counted here. */
export type EmailAddressDeps = Pick<SignInDeps, 'people' | 'sessions' | 'links' | 'mailer' | 'logger' | 'publicUrl'> & {
  limits: Pick<SignInDeps['limits'], 'linksPerIp' | 'linksPerAddress'>;
};

/**
 * A person with no e-mail address (they joined a wedding with their name only) adds one, so they
 * can sign in on another device and be reached by e-mail. Nothing changes until the person, in a
 * browser signed in as them, confirms on the page the e-mailed link opens: that proves the address
 * is theirs, and a confirmation by POST with the session's CSRF token means no other site, mail
 * scanner or click elsewhere adds it (else someone who asked for another person's address would get
 * it on their own account by that person's single click, and with it whatever that person later
 * signs in to by e-mail). No step opens a session.
 * - `POST /api/me/email` `{ email }` (session cookie and X-CSRF-Token): 202 `{ sent: true }`, the
 *   link e-mailed. The answer says nothing about whether another account has the address. 409
 *   `email_present` for a person who already has one; 403 `demo_forbidden` for the demo's shared
 *   account; 400 `validation_failed`; 429 past the sign-in link budgets.
 * - The link (GET /api/auth/email-link/callback, additionPage): in the asker's browser, a page
 *   naming the address with *Add this address*; elsewhere (403), used or expired (410), a page
 *   saying so. It changes nothing and uses nothing up.
 * - `POST /api/auth/email-link/add` (form: `token`, `csrf`): the asker's session and its CSRF token;
 *   the link is used up and the address added: 200 page, or 409 page when another account has the
 *   address (nothing changed) or this one has one by now; 403 page without the session or token.
 */
export function emailAddressRoutes(deps: EmailAddressDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  app.post('/me/email', requireSession(deps.sessions, deps.people), async (c) => {
    const person = c.get('person');
    const ip = clientAddress(c);
    await deps.limits.linksPerIp.consume(c, ip);
    const { email } = await readJson(c, AddEmailBody);
    if (await isSharedDemoAccount(person.id, deps.sessions)) throw new HttpError(403, 'demo_forbidden', 'the demo account is shared by its visitors and cannot take an e-mail address; sign in with your own');
    if (person.email) throw new HttpError(409, 'email_present', 'your account already has an e-mail address');
    await deps.limits.linksPerAddress.consume(c, email);
    const { token, expiresAt } = await deps.links.issue({ email, redirect: '/', ip, personId: person.id });
    const link = `${deps.publicUrl()}/api/auth/email-link/callback?token=${encodeURIComponent(token)}`;
    setImmediate(() => {
      deps.mailer.send({ to: email, link, expiresAt, addsAddress: true }).catch((error: unknown) => {
        deps.logger.error({ err: error, email }, 'the e-mail confirming a new address could not be sent');
      });
    });
    return c.json({ sent: true as const }, 202);
  });

  app.post('/auth/email-link/add', async (c) => {
    c.header('Cache-Control', 'no-store');
    const form = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
    const token = typeof form.token === 'string' ? form.token : '';
    const addition = await deps.links.addition(token);
    if (!addition) return c.html(plainPage('Not a valid link', '<h1>This link is not valid</h1><p>Ask for a new one from your account.</p>'), 400);
    const session = await deps.sessions.authenticate(getCookie(c, SESSION_COOKIE));
    const csrf = typeof form.csrf === 'string' ? form.csrf : '';
    if (!session || session.personId !== addition.personId || !sameSecret(csrf, session.csrfToken)) {
      return c.html(otherBrowserPage(), 403);
    }
    const redeemed = await deps.links.redeem(token);
    if (!redeemed.ok) return c.html(unusablePage(redeemed.code), 410);
    const outcome = await deps.people.setPersonEmail(addition.personId, redeemed.email);
    const address = `<strong>${escapeHtml(redeemed.email)}</strong>`;
    if (outcome === 'set') return c.html(plainPage('Address added', `<h1>Address added</h1><p>${address} is now your account's e-mail address: you can sign in with it on any device.</p>${CONTINUE}`));
    if (outcome === 'taken') return c.html(plainPage('Address not added', `<h1>That address has an account already</h1><p>${address} belongs to another WedSync account, so it was not added to yours. Sign in with it to use that account, or add another address.</p>${CONTINUE}`), 409);
    return c.html(plainPage('Address not added', `<h1>Your account has an address already</h1><p>Nothing changed.</p>${CONTINUE}`), 409);
  });
  return app;
}

const CONTINUE = '<p><a href="/">Continue to WedSync</a></p>';

function otherBrowserPage(): string {
  return plainPage('Open it where you asked', '<h1>Open this link where you asked for it</h1><p>This link adds an e-mail address only in the browser where you asked for it, while you are signed in there. Nothing changed, and the link still works there for 15 minutes from when it was sent.</p>');
}

function unusablePage(code: EmailLinkError): string {
  const why = code === 'link_used' ? 'has been used already' : code === 'link_expired' ? 'has expired (links work for 15 minutes)' : 'is not valid';
  return plainPage('Link not usable', `<h1>This link ${why}</h1><p>Ask for a new one from your account.</p>${CONTINUE}`);
}

/**
 * The page a link adding an address opens (GET /api/auth/email-link/callback): asks the person to
 * confirm in their own signed-in browser, with the session's CSRF token in the form; changes nothing.
 */
export async function additionPage(c: Context, deps: Pick<EmailAddressDeps, 'sessions'>, addition: EmailLinkAddition, token: string): Promise<Response> {
  if (addition.refusal) return c.html(unusablePage(addition.refusal), 410);
  const session = await deps.sessions.authenticate(getCookie(c, SESSION_COOKIE));
  if (session?.personId !== addition.personId) return c.html(otherBrowserPage(), 403);
  return c.html(plainPage('Add this address?', `<h1>Add this address to your account?</h1>
<p>You asked to add <strong>${escapeHtml(addition.email)}</strong> to your WedSync account. You can then sign in with it on any device.</p>
<form method="post" action="/api/auth/email-link/add"><input type="hidden" name="token" value="${escapeHtml(token)}"><input type="hidden" name="csrf" value="${escapeHtml(session.csrfToken)}">
<button type="submit">Add this address</button></form>`));
}
