import { z } from 'zod';
import { ErrorBody } from './common.ts';
import { WeddingIdField } from './integrations.ts';
import type { RouteContract } from './routes.ts';

/** The providers a calendar can be connected through with OAuth 2.0 (docs/oauth.md). */
export const OAUTH_PROVIDER_IDS = ['google', 'microsoft'] as const;
export type OAuthProviderId = (typeof OAUTH_PROVIDER_IDS)[number];

/**
 * `POST /api/connections/oauth/{provider}/start` (and the same fields as the query of its GET form):
 * what to connect once the person has consented. `configuration` is the adapter's (calendarId,
 * apiBaseUrl…); the token endpoint is set by the server. `returnTo`: a path on this server to land
 * on afterwards (@default `/w/<weddingId>/integrations`, or `/`).
 */
export const OAuthStartBody = z.object({
  /** The adapter: `google-calendar` (provider google) or `outlook` (provider microsoft). */
  system: z.string().regex(/^[a-z0-9-]{1,40}$/),
  weddingId: WeddingIdField.optional(),
  workspaceId: z.string().min(1).max(128).optional(),
  /** For a vendor's own calendar: the vendor id in the wedding document. */
  vendorId: z.string().min(1).max(128).optional(),
  configuration: z.record(z.string(), z.unknown()).default({}),
  returnTo: z.string().max(2000).optional(),
  /**
   * Reconnect: the consent renews this connection's credentials (its bindings, cursor and links stay,
   * and a connection that needs attention is active again) instead of making a new connection.
   */
  connectionId: z.string().min(1).max(128).optional(),
}).strict().refine((b) => b.weddingId !== undefined || b.workspaceId !== undefined, { message: 'give weddingId or workspaceId', path: ['weddingId'] });
export type OAuthStartBody = z.infer<typeof OAuthStartBody>;

/** The GET form's query: the body's fields, `configuration` as a JSON object string. */
export const OAuthStartQuery = z.object({
  system: z.string(), weddingId: z.string().optional(), workspaceId: z.string().optional(), vendorId: z.string().optional(),
  configuration: z.string().optional(), returnTo: z.string().optional(), connectionId: z.string().optional(),
});

export const OAuthStartResponse = z.object({
  /** Where to send the person: the provider's consent page (valid 10 minutes, once). */
  authorizationUrl: z.string(),
});

/** The callback's JSON answer (`Accept: application/json`). */
export const OAuthCallbackResponse = z.object({ integrationId: z.string(), system: z.string(), returnTo: z.string() });

export const OAUTH_CONNECT_ROUTES: RouteContract[] = [
  { method: 'post', path: '/api/connections/oauth/{provider}/start', summary: 'Start connecting a Google or Microsoft calendar with OAuth 2.0 (authorization code + PKCE)', auth: 'bearer', orSession: true, body: OAuthStartBody, responses: { 200: OAuthStartResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } },
  { method: 'get', path: '/api/connections/oauth/{provider}/start', summary: 'The same, for a browser: 302 to the provider’s consent page', auth: 'bearer', orSession: true, query: OAuthStartQuery, responses: { 302: null, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } },
  { method: 'get', path: '/api/connections/oauth/{provider}/callback', summary: 'The provider’s answer: exchanges the code, connects, 302 to the app (JSON with Accept: application/json)', auth: 'none', responses: { 200: OAuthCallbackResponse, 302: null, 400: ErrorBody, 502: ErrorBody } },
];
