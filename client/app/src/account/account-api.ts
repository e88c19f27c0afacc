import { z } from 'zod';
import { AccessTokenResponse, MeResponse as MeContract } from '../../../../schema/api/account.ts';
import { InvitationPreview, InvitationSummary } from '../../../../schema/api/invitations.ts';
import { ProvidersResponse } from '../../../../schema/api/sign-in.ts';
import { WorkspaceWedding } from '../../../../schema/api/workspaces.ts';
import type { WeddingRole } from '../../../../schema/api/people.ts';
import { apiRequest, type Csrf } from '../api/api-client.ts';

/**
 * The signed-in person's routes (issue 11 wave-2 contract, docs/auth.md and docs/people.md): the
 * session cookie is the credential, and every write sends the session's CSRF token.
 * Response shapes are the server's contracts (schema/api).
 */

export { InvitationPreview, ProvidersResponse, WorkspaceWedding };

/**
 * `GET /api/me` as the app reads it: the server's contract, with `canSignInAgain` and `canAddEmail`
 * optional, since an instance not yet upgraded in a rolling restart answers without them
 * (offline-identity.ts canSignInAgain then goes by the address; AddEmail by the address alone).
 */
export const MeResponse = MeContract.extend({ canSignInAgain: z.boolean().optional(), canAddEmail: z.boolean().optional() });
export type MeResponse = z.infer<typeof MeResponse>;

/** `GET /api/me`, or null when nobody is signed in on this browser (401). */
export async function fetchMe(signal?: AbortSignal): Promise<MeResponse | null> {
  try {
    return await apiRequest('/api/me', { schema: MeResponse, signal });
  } catch (error) {
    if ((error as { code?: string }).code === 'unauthorized') return null;
    throw error;
  }
}

/** `POST /api/auth/token`: a 10-minute access token for one wedding. */
export function mintAccessToken(csrf: Csrf, weddingId: string): Promise<AccessTokenResponse> {
  return apiRequest('/api/auth/token', { method: 'POST', csrf, body: { weddingId }, schema: AccessTokenResponse });
}

const NoContent = z.unknown();

/** `POST /api/auth/email-link`: always 202, whether or not the address has an account. */
export async function requestEmailLink(email: string, redirect: string): Promise<void> {
  await apiRequest('/api/auth/email-link', { method: 'POST', body: { email, redirect }, schema: NoContent });
}

/**
 * `POST /api/me/email`: for an account with no e-mail address, e-mails a link to `email`; opening it
 * adds the address to this account and signs in. 409 `email_present` when the account has one.
 */
export async function addMyEmail(csrf: Csrf, email: string): Promise<void> {
  await apiRequest('/api/me/email', { method: 'POST', csrf, body: { email }, schema: NoContent });
}

export type ProvidersResponse = z.infer<typeof ProvidersResponse>;

export function fetchProviders(signal?: AbortSignal): Promise<ProvidersResponse> {
  return apiRequest('/api/auth/providers', { schema: ProvidersResponse, signal });
}

/** `PATCH /api/me`: the name couples, vendors and colleagues see (invitations, presence). */
export async function renameMe(csrf: Csrf, name: string): Promise<void> {
  await apiRequest('/api/me', { method: 'PATCH', csrf, body: { name }, schema: NoContent });
}

const CreatedWorkspace = z.object({ id: z.string(), name: z.string() });

/** `POST /api/workspaces`: the caller becomes its owner. */
export function createWorkspace(csrf: Csrf, name: string): Promise<z.infer<typeof CreatedWorkspace>> {
  return apiRequest('/api/workspaces', { method: 'POST', csrf, body: { name, kind: 'planner' }, schema: CreatedWorkspace });
}

export type WorkspaceWedding = z.infer<typeof WorkspaceWedding>;

/** `GET /api/workspaces/{id}/weddings`: titles and dates for the list. */
export function fetchWorkspaceWeddings(workspaceId: string, signal?: AbortSignal): Promise<WorkspaceWedding[]> {
  return apiRequest(`/api/workspaces/${encodeURIComponent(workspaceId)}/weddings`, { schema: z.object({ weddings: z.array(WorkspaceWedding) }), signal })
    .then((body) => body.weddings);
}

export interface NewWedding {
  workspaceId: string;
  title: string;
  date?: string;
  timezone: string;
  venue?: string;
}

/** `POST /api/weddings` with a session: the server generates the id. */
export function createAccountWedding(csrf: Csrf, wedding: NewWedding): Promise<{ id: string }> {
  return apiRequest('/api/weddings', { method: 'POST', csrf, body: wedding, schema: z.object({ id: z.string() }) });
}

/** How a share-dialog call authenticates: the session (cookie + CSRF) or an operator's bearer token. */
export type Credentials = { csrf: Csrf } | { token: string };

/** An invitation as listed; `url` only in the answer that created it. */
export const Invitation = InvitationSummary.extend({ url: z.string().optional() });
export type Invitation = z.infer<typeof Invitation>;

export interface NewInvitation {
  role: WeddingRole;
  vendorId?: string;
  email?: string;
  expiresInHours: number;
  maxUses: number;
}

const invitationsPath = (weddingId: string) => `/api/weddings/${encodeURIComponent(weddingId)}/invitations`;

export function createInvitation(credentials: Credentials, weddingId: string, invitation: NewInvitation): Promise<Invitation> {
  return apiRequest(invitationsPath(weddingId), { ...credentials, method: 'POST', body: invitation, schema: Invitation });
}

export function listInvitations(credentials: Credentials, weddingId: string, signal?: AbortSignal): Promise<Invitation[]> {
  return apiRequest(invitationsPath(weddingId), { ...credentials, schema: z.object({ invitations: z.array(Invitation) }), signal }).then((b) => b.invitations);
}

export async function revokeInvitation(credentials: Credentials, weddingId: string, invitationId: string): Promise<void> {
  await apiRequest(`${invitationsPath(weddingId)}/${encodeURIComponent(invitationId)}`, { ...credentials, method: 'DELETE', schema: NoContent });
}

export type InvitationPreview = z.infer<typeof InvitationPreview>;

/** `GET /api/invitations/{token}` (public). */
export function previewInvitation(token: string, signal?: AbortSignal): Promise<InvitationPreview> {
  return apiRequest(`/api/invitations/${encodeURIComponent(token)}`, { schema: InvitationPreview, signal });
}

/** `POST /api/invitations/{token}/accept`: with a session (csrf) it adds this person; without, a name joins as a new person. */
export function acceptInvitation(token: string, options: { csrf?: Csrf; name?: string; vendorWorkspaceId?: string }): Promise<{ weddingId: string; role: string }> {
  return apiRequest(`/api/invitations/${encodeURIComponent(token)}/accept`, {
    method: 'POST', ...(options.csrf !== undefined ? { csrf: options.csrf } : {}),
    body: { ...(options.name ? { name: options.name } : {}), ...(options.vendorWorkspaceId ? { vendorWorkspaceId: options.vendorWorkspaceId } : {}) },
    schema: z.object({ weddingId: z.string(), role: z.string() }),
  });
}

/** Expiry as milliseconds since the epoch: the contract gives ISO strings or epoch seconds. */
export function expiryMs(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
