import { z } from 'zod';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/** One registered passkey, as its owner sees it. Times in ms since the epoch, UTC. */
export const PasskeySummary = z.object({
  /** The WebAuthn credential id, base64url. */
  id: z.string(),
  name: z.string(),
  deviceType: z.enum(['singleDevice', 'multiDevice']),
  backedUp: z.boolean(),
  createdAt: z.number().int(),
  lastUsedAt: z.number().int().nullable(),
});

/** The browser's PublicKeyCredential as JSON (`credential.toJSON()`, WebAuthn Level 3). */
const CredentialJson = z.object({ id: z.string(), rawId: z.string(), type: z.literal('public-key'), response: z.record(z.string(), z.unknown()) });
export const PasskeyRegisterBody = z.object({ response: CredentialJson, name: z.string().max(100).optional() });
export const PasskeyAuthenticateBody = z.object({ response: CredentialJson, redirect: z.string().optional() });
/** PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON, for navigator.credentials. */
const WebAuthnOptions = z.record(z.string(), z.unknown());

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

/** Passkeys (docs/auth.md "Passkeys"). Each ceremony's challenge travels in a 5-minute cookie. */
export const PASSKEY_ROUTES: RouteContract[] = [
  { method: 'post', path: '/api/auth/passkeys/register/options', summary: 'Options to create a passkey for the signed-in person', auth: 'session', responses: { 200: WebAuthnOptions, ...errors } },
  { method: 'post', path: '/api/auth/passkeys/register', summary: 'Register the passkey the authenticator created', auth: 'session', body: PasskeyRegisterBody, responses: { 201: PasskeySummary, ...errors, 409: ErrorBody } },
  { method: 'get', path: '/api/auth/passkeys', summary: "The signed-in person's passkeys", auth: 'session', responses: { 200: z.object({ passkeys: z.array(PasskeySummary) }), 401: ErrorBody } },
  { method: 'delete', path: '/api/auth/passkeys/{id}', summary: 'Remove one of my passkeys', auth: 'session', responses: { 204: null, ...errors, 404: ErrorBody } },
  { method: 'post', path: '/api/auth/passkeys/authenticate/options', summary: 'Options to sign in with any passkey of this site', auth: 'none', responses: { 200: WebAuthnOptions } },
  { method: 'post', path: '/api/auth/passkeys/authenticate', summary: 'Sign in with a passkey: sets the session cookie', auth: 'none', body: PasskeyAuthenticateBody, responses: { 200: z.object({ redirect: z.string() }), 400: ErrorBody } },
];
