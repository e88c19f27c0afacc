import type { ZodType } from 'zod';
import type { SystemCategory, Vendor, WeddingMeta } from '../../schema/index.ts';
import type { Egress } from './egress.ts';
import type { WebhookParse, WebhookRequest, WebhookVerdict } from './webhook-types.ts';
import type { TestedRemote } from './tested-remote.ts';

/** What an adapter can do; the bridge only calls what is declared. */
export const CAPABILITIES = ['webhook', 'pull', 'push', 'watch', 'messaging'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Entities that sync with external systems. `meta` and `guests` are singletons (entity id `SINGLETON_ID`). */
export const SYNC_ENTITIES = ['meta', 'timeline', 'vendors', 'guests', 'payments'] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];
export const SINGLETON_ID = '_';

/**
 * What a record says about the wedding it belongs to, for routing a connection's records to its
 * weddings (server/bridge/inbound-router.ts): matched against each bound wedding's date, couple
 * and venue, and used to fill in a wedding created from the record.
 */
export interface RoutingHints {
  /** The day the record is about, ISO date (wall date in its own zone). */
  date?: string;
  /** Free text that may name the couple (an event's title, an invoice's description). */
  text?: string;
  /** Where it takes place. */
  venue?: string;
  /** IANA zone the record's times are in. */
  timeZone?: string;
}

/** Who an adapter's notice is for: the wedding's contacts with this role. */
export type NoticeAudience = 'couple' | 'planner';

/** Fields every record change may carry for routing across weddings (connection scope). */
interface Routed {
  /**
   * The wedding the record names explicitly (our metadata, our event key): read by adapters in
   * connection scope (`runtime.weddingId` ''), where records of every wedding come through.
   */
  weddingId?: string;
  /**
   * The external system's id of what the record belongs to, which stands for a wedding there (a
   * CRM job or project id, a venue booking id): routed to the binding holding that reference
   * (`BindBody.references`, added when a person assigns such a record or creates a wedding from it).
   */
  reference?: string;
  hints?: RoutingHints;
}

/**
 * The order of an external object's snapshots: `at`, the system's clock for the snapshot (ms since
 * the epoch, UTC) or its version number; for snapshots stamped alike, `rank` (e.g. the payment
 * status's lifecycle rank, adapters/core/payment-events.ts); then `progress`, a sum that only grows
 * along the object's life (a payment's minor units paid plus refunded: two refunds in one second).
 * A snapshot is older than another when it comes first in that order.
 */
export interface SnapshotOrder {
  at: number;
  rank: number;
  /** @default 0 */
  progress?: number;
}

/** True when `a` is older than `b` (SnapshotOrder). */
export function olderSnapshot(a: SnapshotOrder, b: SnapshotOrder): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return (a.progress ?? 0) < (b.progress ?? 0);
}

/** An external system's change, in our schema's vocabulary (fields as in schema/document/entities.ts). */
export type InboundChange =
  | Routed & {
    op: 'upsert';
    entity: SyncEntity;
    /** The entity's id in the external system (for singletons, any stable string). */
    externalId: string;
    /** Our id, when the external system carries it (e.g. it was created by our push). */
    entityId?: string;
    /** Only the fields the external system sets; others are left alone. */
    data: Record<string, unknown>;
    /**
     * The system refused our conditional delete (412): its object changed since the last sync. The
     * entity comes back here with the system's content, and a conflict records the deletion.
     */
    refusedDelete?: true;
    /**
     * Where this snapshot sits in the external object's history, from systems that deliver
     * snapshots out of order (payment processors). The bridge keeps the newest one applied per
     * external object (the link's `snapshot`) and skips an older one when it is applied, whatever
     * order it was received, pulled or stored in (server/bridge/inbound-applier.ts).
     */
    position?: SnapshotOrder;
  }
  | Routed & {
    op: 'delete'; entity: SyncEntity; externalId: string; entityId?: string;
    /** When the system deleted it, where it says (SnapshotOrder): a deletion older than what the link last knew of the object is skipped. */
    position?: SnapshotOrder;
    /**
     * Not reported by the system: missing from a complete listing (a full resync). When it was
     * deleted is unknown, so a local change since the last sync is held as a conflict, not lost.
     */
    absent?: true;
  }
  /**
   * News for a wedding's people, not a record the document holds (a gallery delivered, a contract
   * signed): routed like a record (by `weddingId` or `reference`, never queued or matched by rules)
   * and sent by the communication bridge as one message to the wedding's contacts with the roles
   * in `audience` (in-app, and on each person's channels). Sent once per connection and `externalId`.
   */
  | Routed & { op: 'notice'; externalId: string; kind: string; audience: NoticeAudience[]; subject: string; body: string }
  /**
   * A recipient acknowledged a message (a reply link, an SMS reply, a chat reaction). In connection
   * scope, `weddingId` names the wedding; without it the ack goes to the binding that claims the
   * connection's unrouted records.
   */
  | Pick<Routed, 'weddingId'> & { op: 'ack'; messageId: string; recipientId: string; at?: string }
  /**
   * An external alert for the wedding's day (the universal adapter's `alert.weather`): the server
   * sends it as an emergency to the vendors it concerns (server/comms/weather-alert.ts). `date` is
   * the ISO wall date it is for, in the wedding's time zone. Routed like an ack.
   */
  | Pick<Routed, 'weddingId'> & { op: 'alert'; kind: 'weather'; date: string; area?: string; severity: 'low' | 'medium' | 'high' | 'critical'; headline: string; description: string }
  /**
   * A provider reported what became of a send (e.g. Twilio's status callback: delivered, undelivered),
   * or our own outbox did from an instance where the wedding is not live (`retrying`, with the
   * attempts made: server/comms/message-delivery.ts). Never moves a send backwards.
   */
  | { op: 'delivery'; messageId: string; recipientId: string; channel: string; status: 'retrying' | 'sent' | 'delivered' | 'read' | 'failed'; providerId?: string; error?: string; at?: string; attempts?: number };

/** A document change to push to one external system. */
export interface OutboundChange {
  op: 'upsert' | 'delete';
  entity: SyncEntity;
  entityId: string;
  /** The external id from the link row; null until the first successful push or pull. */
  externalId: string | null;
  /** The entity's synced fields as they are now (null for deletes). */
  data: Record<string, unknown> | null;
  /** The version (etag, sequence) the external system last returned, for optimistic concurrency. */
  version: string | null;
  /**
   * The synced fields as the bridge last knew the external system to hold them (the link's
   * normalized values; null before the first sync): the base for a field-wise merge after a 412.
   */
  base?: Record<string, unknown> | null;
}

/** What a push needs to know about the wedding around the entity (time zone, vendors for attendees). */
export interface WeddingContext {
  weddingId: string;
  meta: Partial<WeddingMeta>;
  vendors: Record<string, Vendor>;
}

export interface PushResult {
  /** The entity's id in the external system (null for deletes). */
  externalId: string | null;
  version?: string | null;
  /**
   * Fields the push left as the external system has them (it changed them concurrently): the
   * bridge keeps their last synced values, so the external change still comes in as a change.
   */
  unwritten?: string[];
  /**
   * Where the object as the push left it sits in its history (SnapshotOrder: the system's
   * modification time), when the system says. The bridge records it as the link's snapshot, so an
   * inbound snapshot read before the push and applied after it is skipped instead of taking the
   * object back to what it was.
   */
  position?: SnapshotOrder;
  /**
   * What the external system made of the push that the wedding should know (a payment link, a
   * hosted invoice URL): applied to the wedding as the system's own change, through the inbox.
   */
  changes?: InboundChange[];
}

export interface PullOptions {
  cursor: string | null;
  /** Ignore the cursor and read everything (first sync, or after the cursor was refused). */
  full: boolean;
}

export interface PullPage {
  changes: InboundChange[];
  /** Where to continue next time. */
  cursor: string | null;
  /** More pages follow right away. */
  more: boolean;
  /** Records read and ignored that deserve a person's attention (as `WebhookVerdict.notice`): audited as `pull.ignored`. */
  notices?: string[];
  /**
   * Set on the pages of a full read that lists every object of `entity` the system has (within
   * `window`, if any): linked entities missing from all of the read's pages are deleted here, or
   * held as a conflict when changed locally (server/bridge/full-resync.ts). Leave it out when the
   * read is not exhaustive (an event log, a read-back of known objects).
   */
  listing?: PullListing;
}

/** What a full read's page vouches for (see PullPage.listing). */
export interface PullListing {
  entity: SyncEntity;
  /** External ids listed on this page that produced no change (foreign, unparsable): present all the same. */
  listed?: string[];
  /** ISO 8601 instants: the read lists only objects overlapping [from, to) (e.g. Graph's calendarView). */
  window?: { from: string; to: string };
  /** Links whose external id starts with one of these point at nothing the listing should hold (e.g. `removed:`). */
  keepPrefixes?: string[];
}

/** State an adapter keeps across restarts (watch channel ids, expiries). Persisted by the bridge. */
export interface AdapterState {
  get(): Record<string, unknown>;
  set(next: Record<string, unknown>): void;
}

export interface AdapterRuntime {
  integrationId: string;
  /**
   * The wedding this instance serves; '' for a connection-scope instance of a system that
   * `servesManyWeddings`: it reads every wedding's records and tags each with the wedding it names.
   */
  weddingId: string;
  /** The URL this integration's webhooks are delivered to. */
  webhookUrl: string;
  /** The secret inbound webhooks are signed with (`whsec_…`). */
  webhookSecret: string;
  /** `egress.fetch`: every user-set URL is fetched through it (see Egress). */
  fetch: typeof fetch;
  /** Checked outbound connections for clients that open their own (node:http agents, SMTP sockets). */
  egress: Egress;
  now: () => number;
  state: AdapterState;
  /**
   * Objects shared by the instances of one connection (its account-level adapter and its bindings'
   * adapters), by a key the adapter chooses: an API client with its OAuth token, so one token
   * refresh serves every wedding the account is bound to. Keys should include what the object
   * was made from (credentials, token URL). Absent for instances built to be tried.
   */
  shared?: Map<string, unknown>;
  /**
   * Stores credentials the provider replaced (a rotated OAuth refresh token, RFC 6749 §6: "the
   * authorization server MAY issue a new refresh token"), sealed on the connection like the
   * originals, so the next start uses the new one. `next` is the whole credentials object. Absent
   * for instances built to be tried (nothing is stored yet).
   */
  saveCredentials?: (next: Record<string, unknown>) => void;
}

/** One connected external system, bound to one integration's credentials and configuration. */
export interface Adapter {
  readonly system: string;
  readonly category: SystemCategory;
  readonly capabilities: readonly Capability[];
  /** The fields of each entity this adapter syncs. Comparisons, content hashes and conflicts use exactly these. */
  readonly fields: Partial<Record<SyncEntity, readonly string[]>>;
  /**
   * Throws AdapterError when the external system cannot be reached with these credentials.
   * Resolves with the object the connection syncs with, when the system names one (TestedRemote).
   */
  testConnection(): Promise<TestedRemote | void>;
  /** Checks the signature (constant time), timestamp and shape; must not apply anything. */
  verifyWebhook?(request: WebhookRequest): WebhookVerdict | Promise<WebhookVerdict>;
  /**
   * No I/O: a verified webhook's payload → changes. An event that names a payment only through the
   * processor's references may use what `verifyWebhook` read back for it and kept in the adapter
   * state, or ask for a pull when that is gone.
   */
  parseWebhook?(request: WebhookRequest): WebhookParse;
  /** Incremental read from the cursor (sync token, delta link, event id). */
  pull?(options: PullOptions): Promise<PullPage>;
  /**
   * Of objects a windowed full listing did not contain (PullPage.listing.window), the ones really
   * deleted (e.g. a GET answering 404); the others moved out of the window and are kept.
   */
  confirmAbsent?(entity: SyncEntity, externalIds: string[]): Promise<string[]>;
  /**
   * Idempotent write of one change; the key is stable across retries of the same change, and so is
   * `occurredAt` (ms since the epoch, UTC): when the change was made in the wedding (the outbox
   * row's creation), for systems whose payload carries the event's time (absent: now).
   */
  push?(change: OutboundChange, context: { idempotencyKey: string; wedding: WeddingContext; occurredAt?: number }): Promise<PushResult>;
  /** Whether this integration carries the change at all (direction, event categories). */
  accepts?(change: OutboundChange, wedding: WeddingContext): boolean;
  /** Called when the integration becomes active (create watch channels, subscriptions). */
  activate?(): Promise<void>;
  /** Called when it is removed (stop channels). */
  deactivate?(): Promise<void>;
  /** Periodic upkeep (renew channels before they expire). */
  maintain?(): Promise<void>;
  /**
   * Whether the system currently pushes this account's changes to the hub: a watch channel or
   * subscription that was opened and has not expired or been removed. The hub then pulls on each
   * notification and on schedule only as a safety net (SAFETY_PULL_INTERVAL_MS). Absent: never.
   */
  pushLive?(): boolean;
}

export interface AdapterInput {
  integrationId: string;
  weddingId: string;
  credentials: unknown;
  configuration: unknown;
  runtime: AdapterRuntime;
}

/** An adapter folder's entry point: what the system is and how to bind it to an integration. */
export interface AdapterDefinition {
  readonly system: string;
  readonly category: SystemCategory;
  readonly capabilities: readonly Capability[];
  readonly description: string;
  /**
   * The zod schema of an integration's configuration. Fields that carry secrets are declared with
   * `secret(…)` (see secret-fields.ts); the server stores those, and URL fields' userinfo and query,
   * encrypted and never returns them.
   */
  readonly configuration: ZodType;
  /** Validates credentials and configuration (throwing one AdapterError listing every problem) and binds them. */
  create(input: AdapterInput): Adapter;
  /** For `/api/integrations/webhook/:system`: the connection (or binding) a payload belongs to, or null. */
  routeWebhook?(request: WebhookRequest): string | null;
  /**
   * One connection of this system serves many weddings: an instance created with `weddingId` ''
   * verifies, parses and pulls for all of them, setting `InboundChange.weddingId` where the record
   * names its wedding and `hints` where it does not. Systems without it serve one wedding per
   * connection.
   */
  readonly servesManyWeddings?: boolean;
  /**
   * Configuration keys that choose the object the connection syncs (TestedRemote): the calendar, the
   * server. A wedding's binding may not set them otherwise than its connection: that would be
   * another calendar under the same connection, which neither its watch channel nor the
   * one-connection-per-calendar check sees (connect that calendar as a connection of its own).
   */
  readonly remoteKeys?: readonly string[];
  /** `testConnection` answers a TestedRemote (the calendar or account reached). */
  readonly namesRemote?: boolean;
  /**
   * The system's record ids are unique only within a wedding (the universal adapter carries our own
   * entity ids, and every wedding may have a `ceremony`): in connection scope, a record that names
   * neither its wedding nor a `reference` goes to the binding that claims unrouted records, else to
   * the one wedding holding it, and to the unmatched queue when several do; never to each of them.
   */
  readonly externalIdsPerWedding?: boolean;
  /**
   * The fields every instance syncs (`Adapter.fields`), when they do not depend on the
   * configuration: the bridge applies inbound changes with them without building an idle
   * binding's adapter.
   */
  readonly fields?: Adapter['fields'];
  /**
   * A delivery for a connection that no longer exists is answered `410 Gone` (else 404): the
   * system then deletes its webhook subscription and stops sending (Calendly documents this).
   */
  readonly goneWhenDisconnected?: boolean;
}

/** Whether the adapter pulls: it declares the capability and implements it. */
export function canPull(adapter: Adapter): adapter is Adapter & Required<Pick<Adapter, 'pull'>> {
  return adapter.capabilities.includes('pull') && typeof adapter.pull === 'function';
}

/** Whether the adapter pushes: it declares the capability and implements it. */
export function canPush(adapter: Adapter): adapter is Adapter & Required<Pick<Adapter, 'push'>> {
  return adapter.capabilities.includes('push') && typeof adapter.push === 'function';
}
