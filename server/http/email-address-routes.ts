import { Hono } from 'hono';
import { AddEmailBody } from '../../schema/api/sign-in.ts';
import { readJson } from './body.ts';
import { clientAddress } from './client-address.ts';
import { HttpError } from './http-error.ts';
import { requireSession, type SessionEnv } from './session-middleware.ts';
import type { SignInDeps } from './sign-in-routes.ts';

/** What adding an address needs of sign-in's own dependencies; only the link budgets are counted here. */
export type EmailAddressDeps = Pick<SignInDeps, 'people' | 'sessions' | 'links' | 'mailer' | 'logger' | 'publicUrl'> & {
  limits: Pick<SignInDeps['limits'], 'linksPerIp' | 'linksPerAddress'>;
};

/**
 * `POST /api/me/email` `{ email }` (session cookie and X-CSRF-Token): a person with no e-mail
 * address (they joined a wedding with their name only) adds one, so they can sign in on another
 * device and be reached by e-mail. 202 `{ sent: true }`: a link is e-mailed to the address, and
 * opening it (GET /api/auth/email-link/callback) in a browser signed in as this person gives them
 * the address: it proves the address is theirs. Opened in any other browser it changes nothing
 * (`/?signin_error=email_other_browser`), so nobody gets another's address by that person's click.
 * Nothing changes until then. The answer says nothing about whether another account has the
 * address: that link, opened, redirects to `/?signin_error=email_taken` and changes nothing.
 * 409 `email_present` for a person who already has one; 403 `demo_forbidden` in a demo session
 * (its account is shared by the visitors); 400 `validation_failed` for a malformed address; 429 past
 * the sign-in link budgets.
 */
export function emailAddressRoutes(deps: EmailAddressDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  app.post('/me/email', requireSession(deps.sessions, deps.people), async (c) => {
    const person = c.get('person');
    const ip = clientAddress(c);
    await deps.limits.linksPerIp.consume(c, ip);
    const { email } = await readJson(c, AddEmailBody);
    // The demo's planner is one account every visitor of an anonymous demo shares.
    if (c.get('session').method === 'demo') throw new HttpError(403, 'demo_forbidden', 'the demo account is shared by its visitors and cannot take an e-mail address; sign in with your own');
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
  return app;
}
