import { z } from 'zod';
import { HealthBody, ReadyBody, ErrorBody } from './common.ts';
import { RestorePreview, SnapshotCreateBody, SnapshotList, SnapshotRestoreBody, SnapshotRestoreResult, SnapshotSummary } from './admin.ts';
import {
  AuditResponse, ConflictsResponse, ConnectBody, ConnectResult, IntegrationList, OutboxEntry, OutboxList, ResolveConflictBody,
  StatusBody, SyncBody, SyncResponse, TimelineSyncBody, TimelineSyncResponse, IntegrationSummary, UpdateIntegrationBody,
} from './integrations.ts';
import { Conflict } from '../document/entities.ts';
import { WeddingCreateBody, WeddingCreateResponse, WeddingListResponse } from './weddings.ts';
import { CALENDAR_ROUTES } from './calendar.ts';
import { COMMS_ROUTES } from './comms.ts';
import { SIGN_IN_ROUTES } from './sign-in.ts';
import { PAYMENT_ROUTES } from './payments.ts';
import { VENDOR_ROUTES } from './vendors.ts';
import { CONTACT_ROUTES } from './contacts.ts';
import { ACCOUNT_ROUTES } from './account.ts';
import { INVITATION_ROUTES } from './invitations.ts';
import { WORKSPACE_ROUTES, WorkspaceWeddingCreateBody, WorkspaceWeddingCreateResponse } from './workspaces.ts';
import { ACTIVITY_ROUTES } from './activity.ts';
import { WEDDING_PEOPLE_ROUTES } from './wedding-people.ts';
import { OIDC_ROUTES } from './oidc.ts';
import { OAUTH_CONNECT_ROUTES } from './oauth-connect.ts';
import { CONNECTION_ROUTES, ConnectionResult, WorkspaceConnectBody } from './connections.ts';
import { IMPORT_ROUTES } from './imports.ts';
import { PASSKEY_ROUTES } from './passkeys.ts';
import { PRIVACY_ROUTES } from './privacy.ts';
import { CATALOG_ROUTES } from './catalog.ts';
import { SCHEDULE_ROUTES } from './schedule.ts';
import { DEMO_ROUTES } from './demo.ts';

/** One HTTP route: the contract the server implements and /api/openapi.json describes. */
export interface RouteContract {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  /** `session`: the browser session cookie (writes also need X-CSRF-Token); `bearer`: an access token, operator token or API key. */
  auth: 'none' | 'bearer' | 'signature' | 'session';
  /** A `bearer` route that also takes the session cookie (without an Authorization header). */
  orSession?: true;
  body?: z.ZodType;
  query?: z.ZodObject;
  responses: Record<number, z.ZodType | null>;
}

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const ROUTES: RouteContract[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness', auth: 'none', responses: { 200: HealthBody } },
  { method: 'get', path: '/readyz', summary: 'Readiness: storage open, migrations applied', auth: 'none', responses: { 200: ReadyBody, 503: ReadyBody } },
  { method: 'get', path: '/api/weddings', summary: 'The weddings the token may open', auth: 'bearer', responses: { 200: WeddingListResponse, 401: ErrorBody } },
  { method: 'post', path: '/api/weddings', summary: 'Create a wedding with its time zone (required): bearer form with an id, or with a session in the caller\'s workspace (generated id)', auth: 'bearer', orSession: true, body: z.union([WeddingCreateBody, WorkspaceWeddingCreateBody]), responses: { 201: z.union([WeddingCreateResponse, WorkspaceWeddingCreateResponse]), ...errors, 409: ErrorBody } },
  { method: 'post', path: '/api/admin/weddings/{id}/snapshots', summary: 'Snapshot a wedding', auth: 'bearer', body: SnapshotCreateBody, responses: { 201: SnapshotSummary, ...errors } },
  { method: 'get', path: '/api/admin/weddings/{id}/snapshots', summary: "A wedding's snapshots, newest first", auth: 'bearer', responses: { 200: SnapshotList, ...errors } },
  { method: 'get', path: '/api/admin/weddings/{id}/snapshots/{sid}', summary: 'A snapshot with its content', auth: 'bearer', responses: { 200: SnapshotSummary.extend({ content: z.record(z.string(), z.unknown()) }), ...errors } },
  { method: 'post', path: '/api/admin/weddings/{id}/snapshots/{sid}/restore/preview', summary: 'What restoring a snapshot would change, per section (changes nothing)', auth: 'bearer', body: SnapshotRestoreBody, responses: { 200: RestorePreview, ...errors } },
  { method: 'post', path: '/api/admin/weddings/{id}/snapshots/{sid}/restore', summary: 'Restore the chosen sections of a snapshot (default meta, timeline, vendors; an automatic snapshot is taken first)', auth: 'bearer', body: SnapshotRestoreBody, responses: { 200: SnapshotRestoreResult, ...errors } },
  { method: 'get', path: '/api/admin/weddings/{id}/export', summary: 'Export a wedding as JSON', auth: 'bearer', responses: { 200: z.object({ weddingId: z.string(), exportedAt: z.string(), content: z.record(z.string(), z.unknown()), invalid: z.array(z.object({ path: z.string(), problem: z.string() })) }), ...errors } },
  { method: 'post', path: '/api/integrations/vendor/connect', summary: 'Connect an external account for a workspace (`workspaceId`, docs/connections.md) or from a wedding (`weddingId`); runs its connection test', auth: 'bearer', body: z.union([WorkspaceConnectBody, ConnectBody]), responses: { 201: z.union([ConnectionResult, ConnectResult]), ...errors, 409: ErrorBody } },
  { method: 'get', path: '/api/integrations', summary: "A wedding's integrations", auth: 'bearer', query: z.object({ weddingId: z.string() }), responses: { 200: IntegrationList, ...errors } },
  { method: 'patch', path: '/api/integrations/{id}', summary: 'Change a connection\'s configuration or credentials (JSON Merge Patch; secrets not sent again are kept; runs the connection test)', auth: 'bearer', body: UpdateIntegrationBody, responses: { 200: IntegrationSummary, ...errors } },
  { method: 'delete', path: '/api/integrations/{id}', summary: 'Disconnect an integration', auth: 'bearer', responses: { 204: null, ...errors } },
  { method: 'post', path: '/api/integrations/sync/{weddingId}', summary: 'Pull (and for full syncs push) now', auth: 'bearer', body: SyncBody, responses: { 200: SyncResponse, ...errors } },
  { method: 'get', path: '/api/integrations/status/{weddingId}', summary: 'Health, flows, pending conflicts and last sync', auth: 'bearer', responses: { 200: StatusBody, ...errors } },
  { method: 'post', path: '/api/integrations/wedding/{weddingId}/timeline-sync', summary: 'Write timeline events (optional) and push the timeline to every connected system', auth: 'bearer', body: TimelineSyncBody, responses: { 200: TimelineSyncResponse, ...errors } },
  { method: 'get', path: '/api/integrations/wedding/{weddingId}/conflicts', summary: 'Every recorded conflict, newest first', auth: 'bearer', responses: { 200: ConflictsResponse, ...errors } },
  { method: 'post', path: '/api/integrations/wedding/{weddingId}/conflicts/{id}/resolve', summary: 'Resolve a pending conflict', auth: 'bearer', body: ResolveConflictBody, responses: { 200: z.object({ conflict: Conflict }), 409: ErrorBody, ...errors } },
  { method: 'get', path: '/api/integrations/wedding/{weddingId}/audit', summary: 'The audit trail, newest first', auth: 'bearer', query: z.object({ limit: z.number().int().optional(), before: z.number().int().optional() }), responses: { 200: AuditResponse, ...errors } },
  { method: 'get', path: '/api/integrations/wedding/{weddingId}/outbox', summary: 'Dead-lettered pushes', auth: 'bearer', responses: { 200: OutboxList, ...errors } },
  { method: 'get', path: '/api/integrations/outbox/{id}', summary: 'One push and its delivery state (a replay\'s outcome)', auth: 'bearer', responses: { 200: OutboxEntry, ...errors } },
  { method: 'post', path: '/api/integrations/outbox/{id}/replay', summary: 'Deliver a dead-lettered push again', auth: 'bearer', responses: { 200: OutboxEntry, 409: ErrorBody, ...errors } },
  { method: 'post', path: '/api/integrations/webhook/{system}/{integrationId}', summary: 'Receive a signed webhook (stored, then acknowledged)', auth: 'signature', responses: { 200: z.object({ received: z.literal(true), duplicate: z.boolean().optional() }), 401: ErrorBody, 404: ErrorBody, 413: ErrorBody } },
  { method: 'post', path: '/api/integrations/webhook/{systemType}', summary: 'Receive a signed webhook routed by its payload', auth: 'signature', responses: { 200: z.object({ received: z.literal(true), duplicate: z.boolean().optional() }), 401: ErrorBody, 404: ErrorBody } },
  ...CALENDAR_ROUTES,
  ...COMMS_ROUTES,
  ...SIGN_IN_ROUTES,
  ...PAYMENT_ROUTES,
  ...VENDOR_ROUTES,
  ...CONTACT_ROUTES,
  ...ACCOUNT_ROUTES,
  ...WORKSPACE_ROUTES, ...INVITATION_ROUTES,
  ...ACTIVITY_ROUTES,
  ...WEDDING_PEOPLE_ROUTES,
  ...OIDC_ROUTES,
  ...OAUTH_CONNECT_ROUTES,
  ...CONNECTION_ROUTES,
  ...IMPORT_ROUTES,
  ...PASSKEY_ROUTES,
  ...PRIVACY_ROUTES,
  ...CATALOG_ROUTES,
  ...SCHEDULE_ROUTES,
  // The demo's other routes exist only with DEMO=1 (docs/api.md#demo); this one answers on every server.
  ...DEMO_ROUTES.filter((r) => r.path === '/api/demo'),
];
