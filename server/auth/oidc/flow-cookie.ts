import { z } from 'zod';
import { CookieSealer } from '../sealed-cookie.ts';
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
 * Seals and opens the flow cookie (CookieSealer, purpose `oidc flow cookie v1`), expiring after
 * OIDC_FLOW_TTL_S. Encrypted rather than only signed so the PKCE verifier and nonce are not
 * readable from the cookie either.
 */
export class OidcFlowSealer {
  private readonly sealer: CookieSealer;

  constructor(authSecret: string) {
    this.sealer = new CookieSealer(authSecret, 'oidc flow cookie v1');
  }

  seal(flow: OidcFlow): Promise<string> {
    return this.sealer.seal({ p: flow.provider, s: flow.state, n: flow.nonce, v: flow.codeVerifier, r: flow.redirect }, OIDC_FLOW_TTL_S);
  }

  /** The flow in `value`, or null when it is missing, expired, tampered with or from another key. */
  async open(value: string | undefined): Promise<OidcFlow | null> {
    const parsed = Sealed.safeParse(await this.sealer.open(value));
    if (!parsed.success) return null;
    const { p, s, n, v, r } = parsed.data;
    return { provider: p as OidcProviderId, state: s, nonce: n, codeVerifier: v, redirect: r };
  }
}
