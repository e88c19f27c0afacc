import { z } from 'zod';
import { EntityId, IsoDate, TimeZone } from '../document/entities.ts';
import { AuditResponse, BREAKER_STATES, SYSTEM_CATEGORIES, WeddingIdField } from './integrations.ts';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/**
 * Connections (docs/connections.md): one external account owned by a workspace, connected once,
 * bound to any number of weddings.
 */
const Settings = {
  /** Unmatched records that name a couple and a date become new weddings of the workspace. @default false */
  autoCreateWeddings: z.boolean().optional(),
  /** Matching-rule proposals at or above this confidence (0..1) are routed without asking; above 1: always ask. @default 0.8 */
  autoMatchConfidence: z.number().min(0).max(1.01).optional(),
  /** A name people recognise ("Studio calendar"). */
  label: z.string().max(100).optional(),
};

/** A binding's settings: the wedding, the vendor entry it acts for, and the wedding's own configuration values. */
export const BindBody = z.object({
  weddingId: WeddingIdField,
  /** The vendor entry in that wedding (a vendor token's own by default). */
  vendorId: z.string().max(128).optional(),
  /** Non-secret configuration values for this wedding (direction, categories, conflict strategies…), over the connection's. */
  configuration: z.record(z.string(), z.unknown()).default({}),
  /** What unbinding does to what was pushed for this wedding. @default keep */
  onUnbind: z.enum(['keep', 'remove']).default('keep'),
  /** Every record of the connection that routes nowhere else belongs to this wedding (a calendar kept for it alone). @default false */
  claimsUnmatched: z.boolean().default(false),
  /**
   * The external system's own ids of this wedding (a CRM job id, a venue booking id): its records
   * that name one are routed here. @default []
   */
  references: z.array(z.string().min(1).max(200)).max(50).default([]),
}).strict();
export type BindBody = z.infer<typeof BindBody>;

/** PUT /api/connections/:id/bindings/:weddingId/vendor: the vendor entry of the wedding the binding acts for (null: none). */
export const BindingVendorBody = z.object({ vendorId: EntityId.nullable() }).strict();
export type BindingVendorBody = z.infer<typeof BindingVendorBody>;

/**
 * POST /api/connections/:id/rotate-webhook-secret: how long the previous signing secret is still
 * accepted (and still signed with, beside the new one), in seconds: 0 refuses it at once (a leaked
 * secret), at most a week. @default 86400 (a day)
 */
export const RotateWebhookSecretBody = z.object({ expirePreviousInSeconds: z.number().int().min(0).max(7 * 24 * 3600).optional() }).strict();
export type RotateWebhookSecretBody = z.infer<typeof RotateWebhookSecretBody>;

/** Its answer: the new secret, shown this once, and until when the previous one is accepted (ISO 8601, UTC; null: no longer). */
export const RotatedWebhookSecret = z.object({ webhookSecret: z.string(), previousExpiresAt: z.string().nullable() });

/** POST /api/integrations/vendor/connect with `workspaceId` (and no `weddingId`): a connection of the workspace. */
export const WorkspaceConnectBody = z.object({
  workspaceId: z.string().min(1).max(64),
  system: z.string().regex(/^[a-z0-9-]{1,40}$/),
  vendorSystemType: z.enum(SYSTEM_CATEGORIES).optional(),
  credentials: z.record(z.string(), z.unknown()).default({}),
  configuration: z.record(z.string(), z.unknown()).default({}),
  /** Weddings to bind right away. */
  bindings: z.array(BindBody).max(100).default([]),
  ...Settings,
}).strict();
export type WorkspaceConnectBody = z.infer<typeof WorkspaceConnectBody>;

/** PATCH /api/connections/:id */
export const ConnectionSettingsBody = z.object({
  ...Settings,
  /** JSON Merge Patch, as PATCH /api/integrations/:id: secrets sent back as shown keep their value. */
  configuration: z.record(z.string(), z.unknown()).optional(),
  credentials: z.record(z.string(), z.unknown()).optional(),
}).strict();
export type ConnectionSettingsBody = z.infer<typeof ConnectionSettingsBody>;

export const BindingSummary = z.object({
  /** The binding's id: what links, outbox entries and the audit trail name (`integrationId`). */
  bindingId: z.string(),
  connectionId: z.string(),
  weddingId: z.string(),
  vendorId: z.string().nullable(),
  claimsUnmatched: z.boolean(),
  onUnbind: z.enum(['keep', 'remove']),
  /** The external system's ids of this wedding that route its records here. */
  references: z.array(z.string()),
  configuration: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type BindingSummary = z.infer<typeof BindingSummary>;

export const CONNECTION_HEALTH = ['healthy', 'degraded', 'failing', 'needs_attention'] as const;

export const ConnectionSummary = z.object({
  connectionId: z.string(),
  workspaceId: z.string().nullable(),
  system: z.string(),
  category: z.enum(SYSTEM_CATEGORIES),
  label: z.string(),
  /** What every page calls it: its label, else its system's name ("HoneyBook" for a HoneyBook preset). */
  name: z.string(),
  /** Its system as people know it ("HoneyBook", "Google Calendar"), not the adapter's id. */
  systemName: z.string(),
  status: z.enum(['active', 'disabled', 'error', 'needs_attention']),
  capabilities: z.array(z.string()),
  /** Whether one connection of this system serves many weddings (else: one wedding per connection). */
  servesManyWeddings: z.boolean(),
  webhookUrl: z.string(),
  /** Secrets as `{ "set": true }`, URLs redacted. */
  configuration: z.record(z.string(), z.unknown()),
  /**
   * The calendar or account it syncs with, as the provider names it (a Google calendar's id, a
   * CalDAV collection's URL, a Calendly user's URI); one connection per remote in a business or a
   * wedding (`already_connected`). Null when the system names none, or for a connection made before
   * this was kept (it is named at its next change of settings).
   */
  remoteId: z.string().nullable(),
  /** How a person knows it (a calendar's name, an account's address), from the same test; null when the system gives none. */
  remoteName: z.string().nullable(),
  autoCreateWeddings: z.boolean(),
  autoMatchConfidence: z.number(),
  createdAt: z.string(),
  createdBy: z.string(),
  bindings: z.array(BindingSummary),
  health: z.object({
    state: z.enum(CONNECTION_HEALTH),
    /** Plain words: what is wrong and what fixes it; null when healthy. */
    attention: z.string().nullable(),
    lastSync: z.string().nullable(),
    lastError: z.object({ at: z.string(), message: z.string() }).nullable(),
    breaker: z.enum(BREAKER_STATES),
    unmatchedOpen: z.number().int(),
    outbox: z.object({ pending: z.number().int(), dead: z.number().int() }),
    inbox: z.object({ pending: z.number().int(), parked: z.number().int() }),
    /**
     * Bound weddings whose incoming records are held because no vendor is known (a new payment
     * naming none, on a binding acting for none): `held` records each. The fix is the binding's
     * vendor (PUT …/bindings/:weddingId/vendor), then sending or importing the records again.
     */
    vendorNeeded: z.array(z.object({ weddingId: z.string(), bindingId: z.string(), held: z.number().int() })),
  }),
});
export type ConnectionSummary = z.infer<typeof ConnectionSummary>;

export const ConnectionResult = z.object({
  connectionId: z.string(),
  workspaceId: z.string(),
  system: z.string(),
  category: z.enum(SYSTEM_CATEGORIES),
  capabilities: z.array(z.string()),
  webhookUrl: z.string(),
  /** Shown once: the secret this connection's webhooks are signed with. */
  webhookSecret: z.string(),
  /**
   * Shown once, for systems with a secret URL (`webhooks`, `preset`): `webhookUrl` with the token
   * the server made (`?token=`, 256 bits). Later views show the token redacted; rotate it with
   * `POST /api/connections/{id}/rotate-url-token`.
   */
  secretUrl: z.string().optional(),
  bindings: z.array(BindingSummary),
});
export type ConnectionResult = z.infer<typeof ConnectionResult>;

export const UnmatchedSummary = z.object({
  id: z.string(),
  connectionId: z.string(),
  system: z.string(),
  /** The system in words ("HoneyBook" for a HoneyBook preset connection), for "from …". */
  systemName: z.string(),
  entity: z.string(),
  externalId: z.string(),
  /**
   * Every record of the entry (the representative `id` first): the connection's open records that
   * name the same external job (InboundChange.reference) are one entry; acting on it takes them all.
   */
  recordIds: z.array(z.string()),
  /** The zone a wedding made from it gets unless told: the record's, else the connection's; null = ask (the API refuses without one). */
  suggestedTimeZone: z.string().nullable(),
  /**
   * What the record says, as read: `title` is the project or inquiry name where the entry's records
   * have one (a HoneyBook project's name), else the names or description it gives; `client` is the
   * client or couple name it gives when that differs from `title` ('' otherwise); its date, place and zone.
   */
  record: z.object({ title: z.string(), client: z.string(), date: z.string().nullable(), venue: z.string(), timeZone: z.string().nullable(), data: z.record(z.string(), z.unknown()) }),
  proposals: z.array(z.object({ weddingId: z.string(), confidence: z.number(), reasons: z.array(z.string()) })),
  status: z.enum(['open', 'assigned', 'created', 'ignored']),
  receivedAt: z.string(),
  weddingIds: z.array(z.string()),
});
export type UnmatchedSummary = z.infer<typeof UnmatchedSummary>;

export const AssignBody = z.object({ weddingIds: z.array(WeddingIdField).min(1).max(20) }).strict();
export type AssignBody = z.infer<typeof AssignBody>;

/** The new wedding's details; left out, they come from the record. */
export const CreateFromRecordBody = z.object({
  title: z.string().min(1).max(200).optional(),
  date: IsoDate.optional(),
  timezone: TimeZone.optional(),
  venue: z.string().max(300).optional(),
}).strict();
export type CreateFromRecordBody = z.infer<typeof CreateFromRecordBody>;

const refused = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** The consistency audit's answer (docs/connections.md, "Consistency audit"). */
const ConsistencyReport = z.object({
  checkedAt: z.string().nullable(),
  ratio: z.number(),
  compared: z.number().int(),
  consistent: z.number().int(),
  drift: z.array(z.record(z.string(), z.unknown())),
  weddings: z.array(z.object({ weddingId: z.string(), ratio: z.number() })),
}).passthrough();

/**
 * Connections of a workspace (docs/connections.md). `POST /api/integrations/vendor/connect` with a
 * `workspaceId` creates one (its contract is in routes.ts, with the wedding form). A token acts for
 * a workspace when its subject is a member (a person's token), it is one of the workspace's API keys,
 * or it is an admin's for every wedding; anyone else is answered 404, as if nothing were there.
 */
export const CONNECTION_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/workspaces/{workspaceId}/connections', summary: 'A workspace’s connections, with their bindings and health', auth: 'bearer', responses: { 200: z.object({ connections: z.array(ConnectionSummary) }), ...refused } },
  { method: 'get', path: '/api/connections/{id}', summary: 'One connection', auth: 'bearer', responses: { 200: ConnectionSummary, ...refused } },
  { method: 'get', path: '/api/connections/{id}/audit', summary: 'What the connection and its bindings did and refused (webhooks, records applied, routed or refused with why, pushes), newest first; for whoever may manage the connection', auth: 'bearer', query: z.object({ limit: z.number().int().optional(), before: z.number().int().optional() }), responses: { 200: AuditResponse, ...refused } },
  { method: 'patch', path: '/api/connections/{id}', summary: 'Change a connection’s label, settings, configuration or credentials (the connection test runs first)', auth: 'bearer', body: ConnectionSettingsBody, responses: { 200: ConnectionSummary, ...refused } },
  { method: 'delete', path: '/api/connections/{id}', summary: 'Disconnect: channels and endpoints stopped, every binding removed', auth: 'bearer', responses: { 204: null, ...refused } },
  { method: 'post', path: '/api/connections/{id}/rotate-url-token', summary: 'A new secret URL token for a `webhooks` or `preset` connection: the old URL is refused at once; the new URL is shown in this answer only', auth: 'bearer', responses: { 200: z.object({ secretUrl: z.string() }), ...refused } },
  { method: 'post', path: '/api/connections/{id}/rotate-webhook-secret', summary: 'A new Standard Webhooks signing secret for a `webhooks` or `preset` connection, shown in this answer only; the previous one is still accepted, and still signed with beside the new one, for `expirePreviousInSeconds` (default a day; 0: refused at once)', auth: 'bearer', body: RotateWebhookSecretBody, responses: { 200: RotatedWebhookSecret, ...refused } },
  { method: 'post', path: '/api/connections/{id}/bindings', summary: 'Bind the connection to a wedding', auth: 'bearer', body: BindBody, responses: { 201: z.object({ binding: BindingSummary }), ...refused } },
  { method: 'put', path: '/api/connections/{id}/bindings/{weddingId}/vendor', summary: 'Choose the vendor entry of the wedding a binding acts for (`null`: none): its new records with no vendor become that vendor\'s; only who may bind the wedding may change it', auth: 'bearer', body: BindingVendorBody, responses: { 200: z.object({ binding: BindingSummary }), ...refused } },
  { method: 'delete', path: '/api/connections/{id}/bindings/{weddingId}', summary: 'Unbind a wedding (`?remove=true`: delete what was pushed for it first)', auth: 'bearer', responses: { 200: z.object({ removed: z.number().int(), failed: z.array(z.string()) }), ...refused } },
  { method: 'get', path: '/api/workspaces/{workspaceId}/unmatched', summary: 'The workspace’s unmatched queue (`?status=open|assigned|created|ignored`)', auth: 'bearer', responses: { 200: z.object({ records: z.array(UnmatchedSummary) }), ...refused } },
  { method: 'post', path: '/api/unmatched/{id}/assign', summary: 'Send an unmatched record to weddings', auth: 'bearer', body: AssignBody, responses: { 200: z.object({ record: UnmatchedSummary }), ...refused } },
  { method: 'post', path: '/api/unmatched/{id}/create-wedding', summary: 'Create a wedding from an unmatched record', auth: 'bearer', body: CreateFromRecordBody, responses: { 201: z.object({ weddingId: z.string(), record: UnmatchedSummary }), ...refused } },
  { method: 'post', path: '/api/unmatched/{id}/ignore', summary: 'Ignore an unmatched record', auth: 'bearer', responses: { 200: z.object({ record: UnmatchedSummary }), ...refused } },
  { method: 'get', path: '/api/integrations/{id}/consistency', summary: 'The last consistency audit of a connection or binding', auth: 'bearer', responses: { 200: ConsistencyReport, ...refused } },
  { method: 'post', path: '/api/integrations/{id}/consistency', summary: 'Audit a connection or binding now', auth: 'bearer', responses: { 200: ConsistencyReport, ...refused } },
];
