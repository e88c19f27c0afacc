import crypto from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { z } from 'zod';
import { isOidcProviderId, type OidcProviderId } from './providers.ts';

/** Cookie holding one sign-in's secrets between /start and /callback. */
export const OIDC_FLOW_COOKIE = 'wedsync_oidc';
/** Scoped to the OIDC routes so no other request carries it. */
export const OIDC_FLOW_COOKIE_PATH = '/api/auth/oidc/';
/** How long a person may take at the provider (login, consent), in seconds: 10 minutes. */
export const OIDC_FLOW_TTL_S = 600;

/** What /start hands to /callback: PKCE verifier, state, nonce, and where to go afterwards. */
export interface OidcFlow {
  provider: OidcProviderId;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** A local path (`/…`), checked by /start. */
  redirect: string;
}

const Sealed = z.object({ p: z.string().refine(isOidcProviderId), s: z.string().min(1), n: z.string().min(1), v: z.string().min(43), r: z.string().startsWith('/') });

/**
 * Seals and opens the flow cookie: a JWE (`dir`, A256GCM) under a key derived from the server's auth
 * secret, expiring after OIDC_FLOW_TTL_S. Encrypted rather than only signed so the PKCE verifier
 * and nonce are not readable from the cookie either.
 */
export class OidcFlowSealer {
  private readonly key: Uint8Array;

  constructor(authSecret: string) {
    this.key = new Uint8Array(crypto.hkdfSync('sha256', authSecret, 'wedsync', 'oidc flow cookie v1', 32));
  }

  seal(flow: OidcFlow): Promise<string> {
    return new EncryptJWT({ p: flow.provider, s: flow.state, n: flow.nonce, v: flow.codeVerifier, r: flow.redirect })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${OIDC_FLOW_TTL_S}s`)
      .encrypt(this.key);
  }

  /** The flow in `value`, or null when it is missing, expired, tampered with or from another key. */
  async open(value: string | undefined): Promise<OidcFlow | null> {
    if (!value) return null;
    try {
      const { payload } = await jwtDecrypt(value, this.key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
      const parsed = Sealed.safeParse(payload);
      if (!parsed.success) return null;
      const { p, s, n, v, r } = parsed.data;
      return { provider: p as OidcProviderId, state: s, nonce: n, codeVerifier: v, redirect: r };
    } catch {
      return null;
    }
  }
}
