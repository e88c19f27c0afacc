import { Hono } from 'hono';
import { EmailLinkBody } from '../../schema/api/sign-in.ts';
import type { SignInMailer } from '../comms/sign-in-mail.ts';
import type { Logger } from '../logger.ts';
import type { EmailLinkStore } from '../people/email-link-store.ts';
import type { PeopleStore } from '../people/people-store.ts';
import { personForEmail } from '../people/person-for-email.ts';
import type { SessionStore } from '../people/session-store.ts';
import type { AttemptLimiter } from './attempt-limits.ts';
import { clientAddress } from './client-address.ts';
import type { AppEnv } from './auth-middleware.ts';
import { readJson } from './body.ts';
import { openSession } from './session-middleware.ts';
import { additionPage } from './email-address-routes.ts';
import { replacingPage, strandedBySignIn } from './sign-in-replacing.ts';
import type { WayBackIn } from '../people/way-back-in.ts';

export interface SignInDeps {
  people: PeopleStore;
  sessions: SessionStore;
  links: EmailLinkStore;
  mailer: SignInMailer;
  logger: Logger;
  /** The server's public URL (PUBLIC_URL, or http://HOST:PORT), without a trailing slash. */
  publicUrl: () => string;
  /** Whether the session cookie is `Secure` (the public URL is https). */
  secureCookie: () => boolean;
  limits: { linksPerIp: AttemptLimiter; linksPerAddress: AttemptLimiter; callbacksPerIp: AttemptLimiter };
  /** Whether a person can sign in again once a session ends (the demo's account, an address, a passkey, a provider configured now). */
  wayBackIn: WayBackIn;
  /** OpenID Connect providers offered on the sign-in page (filled by the OIDC routes). @default none */
  oidcProviders?: () => Array<{ id: string; name: string }>;
}

/**
 * Signing in without a terminal (docs/auth.md):
 * - `GET /api/auth/providers`: `{ emailLink: true, oidc: [...] }`;
 * - `POST /api/auth/email-link` `{ email, redirect? }`: 202 `{ sent: true }` at once, for any
 *   address: the answer and its timing say nothing about whether the address has an account (the
 *   mail goes out after the answer). 429 past the per-address or per-client budget;
 * - `GET /api/auth/email-link/callback?token=`: a valid link opens a session (cookie) and
 *   redirects (302) to its app path; a link that is unknown, used or expired redirects to
 *   `/?signin_error=link_invalid|link_used|link_expired`. Links work once, for 15 minutes. A link
 *   of POST /api/me/email instead shows a page asking to add its address (email-address-routes.ts)
 *   and opens no session. A link opened in a browser signed in as someone who would have no way back
 *   in (no e-mail address, no passkey) shows a page asking first, uses nothing up, and signs in only
 *   by its form (sign-in-replacing.ts).
 */
export function signInRoutes(deps: SignInDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/auth/providers', (c) => c.json({ emailLink: true, oidc: deps.oidcProviders?.() ?? [] }));

  app.post('/auth/email-link', async (c) => {
    const ip = clientAddress(c);
    const byIp = await deps.limits.linksPerIp.consume(c, ip);
    if (byIp) return byIp;
    const body = await readJson(c, EmailLinkBody);
    const byAddress = await deps.limits.linksPerAddress.consume(c, body.email);
    if (byAddress) return byAddress;
    await deps.links.prune();
    const { token, expiresAt } = await deps.links.issue({ email: body.email, redirect: body.redirect ?? '/', ip });
    const link = `${deps.publicUrl()}/api/auth/email-link/callback?token=${encodeURIComponent(token)}`;
    // Sent after answering: an SMTP round trip must not make some addresses answer slower than others.
    setImmediate(() => {
      deps.mailer.send({ to: body.email, link, expiresAt }).catch((error: unknown) => {
        deps.logger.error({ err: error, email: body.email }, 'the sign-in e-mail could not be sent');
      });
    });
    return c.json({ sent: true as const }, 202);
  });

  app.get('/auth/email-link/callback', async (c) => {
    const limited = await deps.limits.callbacksPerIp.consume(c, clientAddress(c));
    if (limited) return limited;
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    const token = c.req.query('token');
    // A link from POST /api/me/email adds an address: it shows what it would add and asks, on a page
    // of its own (email-address-routes.ts); it never signs anyone in.
    const peek = await deps.links.peek(token);
    if (peek?.personId) return additionPage(c, deps, { personId: peek.personId, email: peek.email, refusal: peek.refusal }, token!);
    // A browser signed in as someone with no other way back in (a name only) is asked first.
    if (peek && !peek.refusal) {
      const stranded = await strandedBySignIn(c, deps);
      if (stranded) return replacingPage(c, stranded, peek.email, token!);
    }
    const redeemed = await deps.links.redeem(token);
    if (!redeemed.ok) return c.redirect(`/?signin_error=${redeemed.code}`, 302);
    // Issued as an addition and redeemed as a sign-in would sign in as the address: never.
    if (redeemed.personId) return c.redirect('/?signin_error=link_invalid', 302);
    const person = await personForEmail(deps.people, redeemed.email);
    await openSession(c, deps.sessions, person.id, 'email_link', deps.secureCookie());
    return c.redirect(redeemed.redirect, 302);
  });

  return app;
}
