import { z } from 'zod';
import { BindingSummary, ConnectionResult, ConnectionSummary, type ConnectionSettingsBody, RotatedWebhookSecret, UnmatchedSummary } from '../../../../schema/api/connections.ts';
import { ImportResponse } from '../../../../schema/api/imports.ts';
import { AuditResponse, type AuditEntry } from '../../../../schema/api/integrations.ts';
import { WorkspaceMembership } from '../../../../schema/api/people.ts';
import { VendorChoicesResponse, type VendorChoice } from '../../../../schema/api/vendors.ts';
import { apiRequest } from '../api/api-client.ts';

/**
 * A workspace's connections and unmatched queue (docs/connections.md). These routes take a bearer
 * token: any wedding token of the signed-in person will do, since the server checks workspace
 * membership by the token's `sub` (the person). Binding a wedding needs that wedding's own token.
 * Errors are the api-client's ApiError.
 */

export type { AuditEntry, ConnectionSummary, ImportResponse, UnmatchedSummary, VendorChoice };

const ws = (id: string) => `/api/workspaces/${encodeURIComponent(id)}`;
const conn = (id: string) => `/api/connections/${encodeURIComponent(id)}`;
const NoContent = z.unknown();

/** `GET /api/workspaces` (session): the person's workspaces, for links to their Connections. */
export function fetchMemberships(signal?: AbortSignal): Promise<WorkspaceMembership[]> {
  return apiRequest('/api/workspaces', { schema: z.object({ workspaces: z.array(WorkspaceMembership) }), signal }).then((b) => b.workspaces);
}

/** `GET /api/workspaces/:id/connections`. */
export function fetchConnections(token: string, workspaceId: string, signal?: AbortSignal): Promise<ConnectionSummary[]> {
  return apiRequest(`${ws(workspaceId)}/connections`, { token, schema: z.object({ connections: z.array(ConnectionSummary) }), signal }).then((b) => b.connections);
}

/** `GET /api/workspaces/:id/unmatched` (open records). */
export function fetchUnmatched(token: string, workspaceId: string, signal?: AbortSignal): Promise<UnmatchedSummary[]> {
  return apiRequest(`${ws(workspaceId)}/unmatched`, { token, schema: z.object({ records: z.array(UnmatchedSummary) }), signal }).then((b) => b.records);
}

/** `GET /api/connections/:id/audit?limit=`: the newest entries of the connection's trail. */
export function fetchConnectionAudit(token: string, connectionId: string, limit: number, signal?: AbortSignal): Promise<AuditEntry[]> {
  return apiRequest(`${conn(connectionId)}/audit?limit=${limit}`, { token, schema: AuditResponse, signal }).then((b) => b.entries);
}

/**
 * `POST /api/connections/:id/rotate-webhook-secret`: a new signing secret (shown this once); the
 * previous one is accepted, and still signed with, for `expirePreviousInSeconds` (0: refused at once).
 */
export function rotateSigningSecret(token: string, connectionId: string, expirePreviousInSeconds: number): Promise<z.infer<typeof RotatedWebhookSecret>> {
  return apiRequest(`${conn(connectionId)}/rotate-webhook-secret`, { token, method: 'POST', body: { expirePreviousInSeconds }, schema: RotatedWebhookSecret });
}

/** `POST /api/integrations/vendor/connect` with `workspaceId`: an API-key system (Stripe…) for the workspace. */
export function connectWithKey(token: string, body: { workspaceId: string; system: string; credentials: Record<string, unknown>; configuration: Record<string, unknown>; label?: string }): Promise<ConnectionResult> {
  return apiRequest('/api/integrations/vendor/connect', { token, method: 'POST', body, schema: ConnectionResult });
}

/** `POST /api/connections/:id/bindings`, with the token of the wedding bound. */
export function bindWedding(token: string, connectionId: string, body: { weddingId: string; vendorId?: string; configuration?: Record<string, unknown> }): Promise<BindingSummary> {
  return apiRequest(`${conn(connectionId)}/bindings`, { token, method: 'POST', body, schema: z.object({ binding: BindingSummary }) }).then((b) => b.binding);
}

/** `PUT /api/connections/:id/bindings/:weddingId/vendor`, with the token of that wedding: the vendor the binding acts for (null: none). */
export function setBindingVendor(token: string, connectionId: string, weddingId: string, vendorId: string | null): Promise<BindingSummary> {
  return apiRequest(`${conn(connectionId)}/bindings/${encodeURIComponent(weddingId)}/vendor`, { token, method: 'PUT', body: { vendorId }, schema: z.object({ binding: BindingSummary }) }).then((b) => b.binding);
}

/** `GET /api/weddings/:id/vendors` (planners), with the token of that wedding: its vendors by name. */
export function fetchWeddingVendors(token: string, weddingId: string, signal?: AbortSignal): Promise<VendorChoice[]> {
  return apiRequest(`/api/weddings/${encodeURIComponent(weddingId)}/vendors`, { token, schema: VendorChoicesResponse, signal }).then((b) => b.vendors);
}

/**
 * `PATCH /api/connections/:id`: the connection's name, routing settings, and merge patches of its
 * configuration and credentials (the connection test runs first; nothing is stored if it fails).
 */
export function updateConnection(token: string, connectionId: string, change: ConnectionSettingsBody): Promise<ConnectionSummary> {
  return apiRequest(conn(connectionId), { token, method: 'PATCH', body: change, schema: ConnectionSummary });
}

/** `DELETE /api/connections/:id`: channels and endpoints stopped, every binding removed; what reached the weddings stays. */
export async function disconnectConnection(token: string, connectionId: string): Promise<void> {
  await apiRequest(conn(connectionId), { token, method: 'DELETE', schema: NoContent });
}

/** `DELETE /api/connections/:id/bindings/:weddingId`: what was pushed stays (the binding's onUnbind). */
export async function unbindWedding(token: string, connectionId: string, weddingId: string): Promise<void> {
  await apiRequest(`${conn(connectionId)}/bindings/${encodeURIComponent(weddingId)}`, { token, method: 'DELETE', schema: NoContent });
}

const unmatched = (id: string) => `/api/unmatched/${encodeURIComponent(id)}`;

/** `POST /api/unmatched/:id/create-wedding` with the confirmed zone: title, date and venue come from the record (with all of its project's records). */
export function createWeddingFrom(token: string, recordId: string, timezone: string): Promise<{ weddingId: string }> {
  return apiRequest(`${unmatched(recordId)}/create-wedding`, { token, method: 'POST', body: { timezone }, schema: z.object({ weddingId: z.string() }) });
}

export async function assignRecord(token: string, recordId: string, weddingIds: string[]): Promise<void> {
  await apiRequest(`${unmatched(recordId)}/assign`, { token, method: 'POST', body: { weddingIds }, schema: NoContent });
}

export async function ignoreRecord(token: string, recordId: string): Promise<void> {
  await apiRequest(`${unmatched(recordId)}/ignore`, { token, method: 'POST', body: {}, schema: NoContent });
}

/**
 * The GET form of the OAuth start (docs/oauth.md): a page load, authenticated by the session
 * cookie, that answers 302 to the provider's consent page and later lands back on `returnTo`.
 * With `connectionId`, the consent renews that connection's credentials (a reconnect).
 */
export function oauthStartUrl(provider: 'google' | 'microsoft', body: { system: string; workspaceId: string; configuration: Record<string, unknown>; returnTo: string; connectionId?: string }): string {
  const query = new URLSearchParams({ system: body.system, workspaceId: body.workspaceId, configuration: JSON.stringify(body.configuration), returnTo: body.returnTo, ...(body.connectionId ? { connectionId: body.connectionId } : {}) });
  return `/api/connections/oauth/${provider}/start?${query}`;
}

/**
 * `POST /api/integrations/import`: a system's CSV export through its preset connection.
 * `preview` writes nothing; `apply` routes the rows (a re-import of the same file changes nothing).
 */
export function importCsv(token: string, body: { connectionId: string; csv: string; mode: 'preview' | 'apply' }): Promise<ImportResponse> {
  return apiRequest('/api/integrations/import', { token, method: 'POST', body, schema: ImportResponse });
}
