import { z } from 'zod';
import { CONFLICT_STRATEGIES, Conflict, ENTITY_KINDS } from '../document/entities.ts';
import { WEDDING_ID_PATTERN } from '../document/names.ts';
import { CalendarStatusSection } from './calendar.ts';

/** The brief's vendor system types. */
export const SYSTEM_CATEGORIES = [
  'photography_crm', 'venue_management', 'catering_system', 'florist_software', 'wedding_planning', 'booking_system',
  'payment_processor', 'communication', 'calendar_system',
] as const;
export type SystemCategory = (typeof SYSTEM_CATEGORIES)[number];

export const WeddingIdField = z.string().regex(WEDDING_ID_PATTERN, 'wedding ids use letters, digits, "_" and "-" (1 to 64)');

/** `entity` or `entity.field` → strategy, e.g. `{ "timeline.start": "manual", "payments": "prefer-source" }`. */
export const ConflictStrategies = z.record(
  z.string().regex(/^(\*|[a-z]+)(\.[A-Za-z]+)?$/, 'use "entity" or "entity.field", e.g. timeline.start'),
  z.enum(CONFLICT_STRATEGIES),
);
export type ConflictStrategies = z.infer<typeof ConflictStrategies>;

export const ConnectBody = z.object({
  weddingId: WeddingIdField,
  /** The adapter's folder name, e.g. `webhooks`, `google-calendar`, `stripe`. */
  system: z.string().regex(/^[a-z0-9-]{1,40}$/),
  /** The brief's system type; defaults to the adapter's own category. */
  vendorSystemType: z.enum(SYSTEM_CATEGORIES).optional(),
  /** For vendor-owned systems: the vendor id in the wedding document. */
  vendorId: z.string().max(128).optional(),
  credentials: z.record(z.string(), z.unknown()).default({}),
  configuration: z.record(z.string(), z.unknown()).default({}),
}).strict();
export type ConnectBody = z.infer<typeof ConnectBody>;

export const ConnectResult = z.object({
  /** The binding of the new connection to the wedding (links, outbox and audit are keyed by it). */
  integrationId: z.string(),
  /** The connection (the external account); for a connection made from a wedding, the same id. */
  connectionId: z.string(),
  system: z.string(),
  category: z.enum(SYSTEM_CATEGORIES),
  capabilities: z.array(z.string()),
  webhookUrl: z.string(),
  /** Shown once: the secret this integration's webhooks are signed with. */
  webhookSecret: z.string(),
  /**
   * Shown once, for systems with a secret URL (`webhooks`, `preset`): `webhookUrl` with the token
   * the server made (`?token=`, 256 bits). Later views show the token redacted; rotate it with
   * `POST /api/connections/{id}/rotate-url-token`.
   */
  secretUrl: z.string().optional(),
});
export type ConnectResult = z.infer<typeof ConnectResult>;

/**
 * PATCH /api/integrations/{id}: JSON Merge Patch (RFC 7396) of the configuration and credentials.
 * Fields left out, and secrets sent back as shown (`{ "set": true }`, a redacted URL), keep their
 * stored value; `null` removes a field. The connection test runs again before anything is stored.
 */
export const UpdateIntegrationBody = z.object({
  configuration: z.record(z.string(), z.unknown()).optional(),
  credentials: z.record(z.string(), z.unknown()).optional(),
}).strict();
export type UpdateIntegrationBody = z.infer<typeof UpdateIntegrationBody>;

export const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;
export const INTEGRATION_STATUSES = ['active', 'disabled', 'error'] as const;
export const HEALTH_STATES = ['healthy', 'degraded', 'failing'] as const;

export const IntegrationSummary = z.object({
  integrationId: z.string(),
  weddingId: z.string(),
  system: z.string(),
  category: z.enum(SYSTEM_CATEGORIES),
  vendorId: z.string().nullable(),
  status: z.enum(INTEGRATION_STATUSES),
  capabilities: z.array(z.string()),
  /**
   * For admins, planners and the owning vendor; absent for the couple. Secret fields appear as
   * `{ "set": true }`, URLs with their userinfo and query values redacted (docs/integrations.md).
   */
  configuration: z.record(z.string(), z.unknown()).optional(),
  webhookUrl: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type IntegrationSummary = z.infer<typeof IntegrationSummary>;

export const IntegrationHealth = z.object({
  integrationId: z.string(),
  system: z.string(),
  /** The connection's own name, e.g. the catalogue's "HoneyBook" for a `preset` connection. */
  label: z.string().optional(),
  /** What every page calls the connection: its label, else its system's name (as ConnectionSummary's `name`). */
  name: z.string(),
  /** Its system as people know it ("HoneyBook", "Google Calendar"). */
  systemName: z.string(),
  category: z.enum(SYSTEM_CATEGORIES),
  status: z.enum(INTEGRATION_STATUSES),
  health: z.enum(HEALTH_STATES),
  breaker: z.enum(BREAKER_STATES),
  /**
   * ISO 8601 UTC. The binding's last sync, or its connection's last pull when later (a connection
   * serving many weddings pulls for all of them): the same time the Connections page shows.
   */
  lastSync: z.string().nullable(),
  lastSuccess: z.string().nullable(),
  /** The latest error of the binding or its connection. */
  lastError: z.object({ at: z.string(), message: z.string() }).nullable(),
  /** Failed share of the last 100 push attempts, 0..1. */
  errorRate: z.number(),
  outbox: z.object({ pending: z.number().int(), dead: z.number().int(), oldestPendingAgeMs: z.number().nullable() }),
  inbox: z.object({ pending: z.number().int(), parked: z.number().int() }),
});
export type IntegrationHealth = z.infer<typeof IntegrationHealth>;

export const ActiveFlow = z.object({
  integrationId: z.string(),
  system: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  entities: z.array(z.enum(ENTITY_KINDS)),
  lastAt: z.string().nullable(),
});

export const StatusBody = z.object({
  weddingId: z.string(),
  integrationStatus: z.array(IntegrationHealth),
  activeFlows: z.array(ActiveFlow),
  /** Pending (manual) conflicts. */
  conflicts: z.array(Conflict),
  lastSync: z.string().nullable(),
  /** Calendar sync: overlaps (double bookings), feeds and connected calendars (see schema/api/calendar.ts). */
  calendar: CalendarStatusSection.optional(),
});
export type StatusBody = z.infer<typeof StatusBody>;

export const SyncBody = z.object({
  systems: z.array(z.string()).optional(),
  syncType: z.enum(['incremental', 'full']).default('incremental'),
}).strict();

export const SyncResult = z.object({
  integrationId: z.string(),
  system: z.string(),
  success: z.boolean(),
  syncType: z.enum(['incremental', 'full']),
  applied: z.number().int(),
  skipped: z.number().int(),
  /** Pulled changes outside the rights of whoever connected the integration: not applied (see the audit trail). */
  refused: z.number().int().optional(),
  conflicts: z.array(Conflict),
  error: z.string().optional(),
});
export const SyncResponse = z.object({ syncResults: z.array(SyncResult), conflicts: z.array(Conflict) });
export type SyncResponse = z.infer<typeof SyncResponse>;

export const ResolveConflictBody = z.object({
  winner: z.enum(['local', 'remote']),
}).strict();

export const ConflictsResponse = z.object({ conflicts: z.array(Conflict) });

export const AuditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  weddingId: z.string(),
  integrationId: z.string().nullable(),
  actor: z.string(),
  action: z.string(),
  entity: z.string().nullable(),
  entityId: z.string().nullable(),
  result: z.enum(['ok', 'skipped', 'failed', 'refused']),
  detail: z.record(z.string(), z.unknown()),
  /**
   * What the entry is about, in the wedding's words, where every participant of the wedding may
   * read it: a timeline event's title or a vendor's name (GET /api/connections/:id/audit only;
   * absent for other entities, and for one no longer in the wedding).
   */
  subject: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const AuditResponse = z.object({ entries: z.array(AuditEntry), nextCursor: z.number().int().nullable() });

export const OUTBOX_STATUSES = ['pending', 'inflight', 'delivered', 'dead', 'cancelled'] as const;
export const OutboxEntry = z.object({
  id: z.number().int(),
  integrationId: z.string(),
  weddingId: z.string(),
  kind: z.string(),
  entity: z.string().nullable(),
  entityId: z.string().nullable(),
  status: z.enum(OUTBOX_STATUSES),
  attempts: z.number().int(),
  idempotencyKey: z.string(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

export const TimelineSyncBody = z.object({
  /** Events to write before syncing (validated like any other write); omit to sync what is there. */
  timeline: z.array(z.record(z.string(), z.unknown())).max(1000).optional(),
  /** Wait at most this long for the pushes to be delivered. @default 10000 */
  waitMs: z.number().int().min(0).max(60_000).default(10_000),
}).strict();

export const TimelineSyncResult = z.object({
  integrationId: z.string(),
  system: z.string(),
  success: z.boolean(),
  /** Pushes planned: events whose content differs from what the system has. */
  pushed: z.number().int(),
  delivered: z.number().int(),
  failed: z.number().int(),
  /** Still being retried when the wait ended. */
  pending: z.number().int(),
  errors: z.array(z.string()),
});
export const TimelineSyncResponse = z.object({
  updated: z.number().int(),
  syncResults: z.array(TimelineSyncResult),
  conflicts: z.array(Conflict),
});
export type TimelineSyncResponse = z.infer<typeof TimelineSyncResponse>;

export const IntegrationList = z.object({ integrations: z.array(IntegrationSummary) });
export const OutboxList = z.object({ entries: z.array(OutboxEntry) });
