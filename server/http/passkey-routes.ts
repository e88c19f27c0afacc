import {
  generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse,
  type AuthenticationResponseJSON, type AuthenticatorTransportFuture, type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { CookieSealer } from '../auth/sealed-cookie.ts';
import type { Logger } from '../logger.ts';
import type { PasskeyStore, Passkey } from '../people/passkey-store.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import { errorBody } from './app.ts';
import { statusTable, type ErrorCode } from '../errors.ts';
import { readJson } from './body.ts';
import { localRedirect } from './local-redirect.ts';
import { requireSession, openSession, type SessionEnv } from './session-middleware.ts';
import { VisibleText } from '../../schema/document/visible-text.ts';

export const PASSKEY_ERROR_CODES = ['passkey_challenge_missing', 'passkey_invalid', 'passkey_unknown', 'passkey_exists', 'passkey_not_found', 'invalid_redirect'] as const satisfies readonly ErrorCode[];
export type PasskeyErrorCode = (typeof PASSKEY_ERROR_CODES)[number];
/**
 * - `passkey_challenge_missing`: no challenge cookie for this ceremony, or one expired or already used: ask for options again;
 * - `passkey_invalid`: the authenticator's answer did not verify (challenge, origin, RP ID, signature, counter);
 * - `passkey_unknown`: no passkey with that credential id is registered here (or it was removed).
 */
const STATUS = statusTable(PASSKEY_ERROR_CODES);

/** Cookie holding one ceremony's challenge, scoped to the passkey routes. */
export const PASSKEY_COOKIE = 'wedsync_webauthn';
const COOKIE_PATH = '/api/auth/passkeys/';
/** Seconds a person has to answer their authenticator: 5 minutes (the options' timeout too). */
const CHALLENGE_TTL_S = 300;
/**
 * A spent challenge is remembered this much longer than its cookie lives (ms): the cookie's expiry
 * is judged by the clock of the instance that opens it, and instances' clocks may differ.
 */
const SPENT_MARGIN_MS = 5 * 60_000;

export interface PasskeyRouteDeps {
  passkeys: PasskeyStore;
  people: PeopleStore;
  sessions: SessionStore;
  /** CookieSealer for purpose `webauthn challenge v1`. */
  sealer: CookieSealer;
  logger: Logger;
  /** The relying party is PUBLIC_URL: its host name is the RP ID and its origin the expected origin. */
  publicUrl: () => string;
}

const Credential = z.object({ id: z.string().min(1).max(1024), rawId: z.string(), type: z.literal('public-key'), response: z.record(z.string(), z.unknown()) }).passthrough();
const RegisterBody = z.object({ response: Credential, name: VisibleText(100).optional() }).strict();
const AuthenticateBody = z.object({ response: Credential, redirect: z.string().optional() }).strict();
const Challenge = z.object({ k: z.enum(['register', 'authenticate']), c: z.string().min(16), p: z.string().optional() });

const summary = (p: Passkey) => ({ id: p.id, name: p.name, deviceType: p.deviceType, backedUp: p.backedUp, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt });

/**
 * Passkeys (WebAuthn Level 3 through @simplewebauthn/server), mounted under /api; docs/auth.md.
 * Registering needs a session (and X-CSRF-Token); signing in with a passkey opens one.
 * - `POST /auth/passkeys/register/options` → PublicKeyCredentialCreationOptionsJSON (discoverable
 *   credential, no attestation); `POST /auth/passkeys/register {response, name?}` → 201 passkey.
 * - `GET /auth/passkeys` → `{passkeys}`; `DELETE /auth/passkeys/{id}` → 204.
 * - `POST /auth/passkeys/authenticate/options` → PublicKeyCredentialRequestOptionsJSON (any of
 *   this site's passkeys); `POST /auth/passkeys/authenticate {response, redirect?}` → session cookie,
 *   200 `{redirect}`.
 * Each ceremony's challenge lives in a 5-minute encrypted httpOnly cookie and is used once: the
 * store remembers spent challenges for those 5 minutes and 5 more (PasskeyStore.spendChallenge).
 */
export function passkeyRoutes(deps: PasskeyRouteDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const session = requireSession(deps.sessions, deps.people);
  const rp = () => {
    const url = new URL(deps.publicUrl());
    return { rpID: url.hostname, origin: url.origin, secure: url.protocol === 'https:' };
  };
  const refuse = (c: Context, code: PasskeyErrorCode, message: string) => c.json(errorBody(code, message), STATUS[code]);
  const keepChallenge = async (c: Context, payload: z.infer<typeof Challenge>) =>
    setCookie(c, PASSKEY_COOKIE, await deps.sealer.seal(payload, CHALLENGE_TTL_S), { httpOnly: true, sameSite: 'Strict', secure: rp().secure, path: COOKIE_PATH, maxAge: CHALLENGE_TTL_S });
  /**
   * The ceremony's challenge, taken: the cookie goes whatever the outcome, and the challenge is
   * spent in the store before anything is verified, so the same cookie and answer sent again (a
   * captured request, or two at once) find it used.
   */
  const takeChallenge = async (c: Context, kind: 'register' | 'authenticate') => {
    const parsed = Challenge.safeParse(await deps.sealer.open(getCookie(c, PASSKEY_COOKIE)));
    deleteCookie(c, PASSKEY_COOKIE, { path: COOKIE_PATH, secure: rp().secure });
    if (!parsed.success || parsed.data.k !== kind) return null;
    return (await deps.passkeys.spendChallenge(parsed.data.c, CHALLENGE_TTL_S * 1000 + SPENT_MARGIN_MS)) ? parsed.data : null;
  };

  app.post('/auth/passkeys/register/options', session, async (c) => {
    const person = c.get('person');
    const { rpID } = rp();
    const options = await generateRegistrationOptions({
      rpName: 'WedSync', rpID, userName: person.email ?? person.name, userDisplayName: person.name,
      userID: new TextEncoder().encode(person.id), attestationType: 'none', timeout: CHALLENGE_TTL_S * 1000,
      excludeCredentials: (await deps.passkeys.listFor(person.id)).map((p) => ({ id: p.id, transports: p.transports as AuthenticatorTransportFuture[] })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
    });
    await keepChallenge(c, { k: 'register', c: options.challenge, p: person.id });
    return c.json(options);
  });

  app.post('/auth/passkeys/register', session, async (c) => {
    const body = await readJson(c, RegisterBody);
    const person = c.get('person');
    const challenge = await takeChallenge(c, 'register');
    if (!challenge || challenge.p !== person.id) return refuse(c, 'passkey_challenge_missing', 'ask for registration options first (they last 5 minutes and answer once)');
    const { rpID, origin } = rp();
    let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      verified = await verifyRegistrationResponse({ response: body.response as unknown as RegistrationResponseJSON, expectedChallenge: challenge.c, expectedOrigin: origin, expectedRPID: rpID, requireUserVerification: false });
    } catch (error) {
      return refuse(c, 'passkey_invalid', `the authenticator's answer did not verify: ${(error as Error).message}`);
    }
    if (!verified.verified) return refuse(c, 'passkey_invalid', "the authenticator's answer did not verify");
    const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
    const added = await deps.passkeys.add({
      id: credential.id, personId: person.id, publicKey: credential.publicKey, counter: credential.counter, transports: credential.transports ?? [],
      deviceType: credentialDeviceType, backedUp: credentialBackedUp, name: body.name ?? 'Passkey',
    });
    if (!added) return refuse(c, 'passkey_exists', 'this passkey is registered already');
    return c.json(summary(added), 201);
  });

  app.get('/auth/passkeys', session, async (c) => c.json({ passkeys: (await deps.passkeys.listFor(c.get('person').id)).map(summary) }));

  app.delete('/auth/passkeys/:id', session, async (c) => {
    if (!(await deps.passkeys.remove(c.get('person').id, c.req.param('id')))) return refuse(c, 'passkey_not_found', 'you have no passkey with this id');
    return c.body(null, 204);
  });

  app.post('/auth/passkeys/authenticate/options', async (c) => {
    const options = await generateAuthenticationOptions({ rpID: rp().rpID, userVerification: 'preferred', timeout: CHALLENGE_TTL_S * 1000 });
    await keepChallenge(c, { k: 'authenticate', c: options.challenge });
    return c.json(options);
  });

  app.post('/auth/passkeys/authenticate', async (c) => {
    const body = await readJson(c, AuthenticateBody);
    const redirect = localRedirect(body.redirect);
    if (redirect === null) return refuse(c, 'invalid_redirect', 'redirect must be a path on this server, starting with a single "/"');
    const challenge = await takeChallenge(c, 'authenticate');
    if (!challenge) return refuse(c, 'passkey_challenge_missing', 'ask for sign-in options first (they last 5 minutes and answer once)');
    const key = await deps.passkeys.get(body.response.id);
    if (!key) return refuse(c, 'passkey_unknown', 'this passkey is not registered here (it may have been removed)');
    const { rpID, origin } = rp();
    let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      verified = await verifyAuthenticationResponse({
        response: body.response as unknown as AuthenticationResponseJSON, expectedChallenge: challenge.c, expectedOrigin: origin, expectedRPID: rpID,
        credential: { id: key.id, publicKey: key.publicKey as Uint8Array<ArrayBuffer>, counter: key.counter, transports: key.transports as AuthenticatorTransportFuture[] },
        requireUserVerification: false,
      });
    } catch (error) {
      deps.logger.info({ passkey: key.id, err: error }, 'passkey sign-in refused');
      return refuse(c, 'passkey_invalid', `the authenticator's answer did not verify: ${(error as Error).message}`);
    }
    const userHandle = (body.response.response as { userHandle?: unknown }).userHandle;
    const expectedHandle = Buffer.from(key.personId).toString('base64url');
    if (!verified.verified || (typeof userHandle === 'string' && userHandle !== '' && userHandle !== expectedHandle)) {
      return refuse(c, 'passkey_invalid', "the authenticator's answer did not verify");
    }
    await deps.passkeys.used(key.id, verified.authenticationInfo.newCounter, verified.authenticationInfo.credentialBackedUp);
    await openSession(c, deps.sessions, key.personId, 'passkey', rp().secure);
    return c.json({ redirect });
  });

  return app;
}
