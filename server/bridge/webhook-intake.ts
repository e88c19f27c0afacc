import { AdapterError, type AdapterDefinition, type WebhookReply, type WebhookRequest, type WebhookParse } from '../../adapters/core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditWriter } from './audit-log.ts';
import { BridgeError } from './bridge-error.ts';
import type { ConnectionRuntime, LiveConnection } from './connection-runtime.ts';
import type { NewInboxRow } from './inbox-store.ts';
import type { InboundRouter } from './inbound-router.ts';
import type { ChangesPayload } from './inbox-worker.ts';
import type { IntegrationRegistry } from './integration-registry.ts';
import { RefusalSampler } from './refusal-sampler.ts';
import { IntakePacing } from './intake-pacing.ts';
import { trace } from './bridge-trace.ts';
import { NOT_UTF8, webhookBodyText } from './webhook-body.ts';

export interface WebhookIntakeContext {
  registry: IntegrationRegistry;
  connections: ConnectionRuntime;
  router: InboundRouter;
  /** A notification without data (Google push): pull the connection now. */
  requestPull(live: LiveConnection): void;
  /**
   * Stores a delivery of a single-wedding connection, or of a connection made from one wedding
   * (InboundRouter.onlyClaim), in the inbox; resolves with its row id once
   * committed (on SQLite, in the current group commit, which the reply waits for), or null when the
   * binding already has that event, or (`unlessReceived`) its connection holds a receipt of it
   * (InboxWrites.add).
   */
  store(row: NewInboxRow): Promise<number | null>;
  audit: AuditWriter;
  metrics: Metrics;
  now: () => number;
  /** True when an adapter for `system` exists (its module may not be loaded yet). */
  knowsSystem: (system: string) => boolean;
  definitionOf: (system: string) => Promise<AdapterDefinition>;
  /** Wakes the inbox worker for a wedding with new rows. */
  kick: (weddingId: string) => void;
  /** Application lag (ms) past which verified deliveries wait for it before they are stored (IntakePacing); 0: never. @default 1000 */
  pacingLagMs?: number;
}

const JSON_TYPE = { 'content-type': 'application/json' };
/** The acknowledgement of a stored delivery, when the adapter's verdict gives no reply of its own. */
const RECEIVED: WebhookReply = { status: 200, headers: JSON_TYPE, body: JSON.stringify({ received: true }) };
/** The acknowledgement of a delivery received before: nothing was stored. */
const DUPLICATE: WebhookReply = { status: 200, headers: JSON_TYPE, body: JSON.stringify({ received: true, duplicate: true }) };

/** A delivery as an HTTP listener read it: the body as text, or its bytes when they are not UTF-8 (webhook-body.ts). */
export type DeliveredWebhook = Omit<WebhookRequest, 'rawBody'> & { rawBody: string | Uint8Array };

/**
 * Webhook intake: verify the sender's signature, store the event in the inbox, acknowledge.
 * Promises:
 * - the reply never waits for the document or any other system: the inbox row is committed
 *   (`store`, or routing's one transaction) and the inbox worker applies it later;
 * - nothing is stored before the signature is verified, and a duplicate event id is acknowledged
 *   without being stored twice;
 * - while the inbox worker applies more than `WEBHOOK_PACING_LAG_MS` (a second by default) behind,
 *   a verified delivery waits (at most 2 s) for it before it is stored (IntakePacing);
 * - refusals come from anyone who knows the URL, so they are audited sampled (RefusalSampler: one
 *   entry a minute per connection and kind of refusal, with how many it stands for), and
 *   every outcome is counted in `wedsync_webhook_ack_seconds{system,outcome}`.
 */
export class WebhookIntake {
  private readonly refusals: RefusalSampler;
  /** Told by the inbox worker which rows it finished (BridgeWiring.progress); closed when the bridge stops. */
  readonly pacing: IntakePacing;

  constructor(private readonly ctx: WebhookIntakeContext) {
    this.refusals = new RefusalSampler(60_000, ctx.now);
    const { metrics } = ctx;
    this.pacing = new IntakePacing({ startLagMs: ctx.pacingLagMs, waited: (ms) => metrics.webhookPacedSeconds.observe(ms / 1000), started: () => metrics.webhookPacingStarted.inc() });
  }

  /** The running connection a webhook URL's id names: a connection's id, or (older URLs, payload routing) one of its bindings'. */
  private target(id: string | null): LiveConnection | undefined {
    if (!id) return undefined;
    return this.ctx.connections.get(id) ?? this.ctx.connections.get(this.ctx.registry.get(id)?.integration.connectionId ?? '');
  }

  /** The id of the running connection of `system` a webhook URL's id names (its own, or one of its bindings'), if any: checked before a webhook body is read. */
  connectionOf(system: string, id: string): string | undefined {
    const live = this.target(id);
    return live?.connection.system === system ? live.connection.id : undefined;
  }

  /**
   * Throws BridgeError `integration_not_found`, `webhook_not_supported` or the verdict's signature
   * code, or what `charge` throws. `charge`: spends one delivery of the budget of the connection a
   * shared URL's payload names, by its own id or a binding's (the HTTP route's rate limit: 429
   * `rate_limited` when spent), before the signature is checked.
   */
  async receive(system: string, connectionId: string | null, delivered: DeliveredWebhook, charge?: (integrationId: string) => Promise<void>): Promise<WebhookReply> {
    const { ctx } = this;
    const text = typeof delivered.rawBody === 'string' ? delivered.rawBody : webhookBodyText(delivered.rawBody);
    const request: WebhookRequest = { ...delivered, rawBody: text ?? '' };
    const started = performance.now();
    const outcome = (label: string) => ctx.metrics.webhookAckSeconds.observe({ system, outcome: label }, (performance.now() - started) / 1000);
    const definition = ctx.knowsSystem(system) ? await ctx.definitionOf(system) : undefined;
    // What an adapter reads from an unauthenticated payload to route it is only ever a string id.
    const routed: unknown = connectionId === null ? definition?.routeWebhook?.(request) : null;
    const id = connectionId ?? (typeof routed === 'string' && routed.length <= 200 ? routed : null);
    const live = this.target(id);
    if (!definition || !live || live.connection.system !== system) {
      outcome('unknown');
      throw new BridgeError('integration_not_found', `no active ${system} integration ${id ?? '(not found in the payload)'}`);
    }
    if (connectionId === null) await charge?.(live.connection.id);
    const { adapter, connection } = live;
    trace('webhook', connection.id);
    const bindings = ctx.connections.bindingsOf(connection.id).map((b) => b.integration);
    const single = live.routes ? undefined : bindings[0];
    // A connection's events are audited under each wedding it serves (none bound: under no wedding, '').
    const where = bindings.length ? bindings.map((b) => ({ weddingId: b.weddingId, integrationId: b.id })) : [{ weddingId: '', integrationId: connection.id }];
    const audit = (entry: Omit<Parameters<AuditWriter['record']>[0], 'weddingId' | 'integrationId'>) => { for (const w of where) ctx.audit.record({ ...w, ...entry }); };
    if (!adapter.capabilities.includes('webhook') || !adapter.verifyWebhook || !adapter.parseWebhook) {
      outcome('unsupported');
      throw new BridgeError('webhook_not_supported', `${system} integrations do not take webhooks`);
    }
    const verdict = text === null ? { ok: false as const, code: 'invalid_payload' as const, message: NOT_UTF8 } : await adapter.verifyWebhook(request);
    if (!verdict.ok) {
      outcome('refused');
      // Sampled per kind of refusal: a wrong clock (signature_stale) is not hidden behind a forged signature's entry.
      const refusals = this.refusals.take(`${connection.id}\0${verdict.code}`);
      if (refusals !== null) {
        audit({ actor: 'external', action: 'webhook.refused', result: 'refused', detail: { code: verdict.code, message: clipText(verdict.message, 300), refusals } });
      }
      throw new BridgeError(verdict.code, verdict.message);
    }
    if (verdict.ignore) {
      if (verdict.notice) audit({ actor: 'external', action: 'webhook.ignored', result: 'skipped', detail: { eventId: verdict.eventId, reason: clipText(verdict.notice, 300) } });
      outcome('handshake');
      return verdict.reply ?? { status: 200, body: JSON.stringify({ received: true }) };
    }
    if (live.routes) return this.routed(live, request, verdict, outcome);
    if (!single) {
      outcome('unknown');
      throw new BridgeError('integration_not_found', `${system} connection ${connection.id} is bound to no wedding`);
    }
    // Under a flood, acknowledgements go at the pace of application (IntakePacing); the row's
    // receivedAt is when it entered the inbox.
    const receivedAt = request.receivedAt + (await this.pacing.admit());
    const row = { integrationId: single.id, weddingId: single.weddingId, eventId: verdict.eventId, kind: 'webhook' as const, payload: JSON.stringify(request), receivedAt };
    return this.storeRow(row, verdict.reply ?? RECEIVED, outcome);
  }

  /** Stores one delivery in one binding's inbox (`ctx.store`) and answers: `ok`, or a duplicate when it was not stored. */
  private async storeRow(row: NewInboxRow, ok: WebhookReply, outcome: (label: string) => void): Promise<WebhookReply> {
    if (await this.ctx.store(row) === null) {
      outcome('duplicate');
      return DUPLICATE;
    }
    this.ctx.kick(row.weddingId);
    outcome('stored');
    return ok;
  }

  /**
   * A connection that serves many weddings: the payload is parsed here (no I/O) and its records
   * routed to the weddings' inboxes (or the unmatched queue) before the acknowledgement.
   */
  private async routed(live: LiveConnection, request: WebhookRequest, verdict: { eventId: string; reply?: WebhookReply; parsed?: WebhookParse }, outcome: (label: string) => void): Promise<WebhookReply> {
    const { ctx } = this;
    const ok = verdict.reply ?? RECEIVED;
    let parsed: WebhookParse;
    try {
      parsed = verdict.parsed ?? live.adapter.parseWebhook!(request);
    } catch (error) {
      outcome('refused');
      const message = error instanceof AdapterError ? error.message : 'the payload could not be read';
      ctx.audit.record({ weddingId: '', integrationId: live.connection.id, actor: 'external', action: 'webhook.unreadable', result: 'refused', detail: { eventId: verdict.eventId, message: clipText(message, 300) } });
      throw new BridgeError('invalid_payload', message);
    }
    const receivedAt = request.receivedAt + (await this.pacing.admit());
    // A connection made from one wedding: its one claiming binding takes the delivery, stored in one
    // INSERT that the inbox batches with concurrent ones (routing's look-ups and transaction made
    // PostgreSQL acknowledge 3.5x fewer webhooks: docs/performance.md, "Webhooks accepted and applied").
    const only = await ctx.router.onlyClaim(live, parsed.changes);
    if (only) {
      const { integration } = only.binding;
      const payload: ChangesPayload = { changes: only.changes };
      const reply = await this.storeRow({ integrationId: integration.id, weddingId: integration.weddingId, eventId: verdict.eventId, kind: 'changes', payload: JSON.stringify(payload), receivedAt, unlessReceived: true }, ok, outcome);
      if (reply !== DUPLICATE && parsed.pull) ctx.requestPull(live);
      return reply;
    }
    const routed = await ctx.router.route(live, parsed.changes, { eventId: verdict.eventId, receivedAt, once: true });
    if (routed.duplicate) {
      outcome('duplicate');
      return DUPLICATE;
    }
    if (!verdict.reply && parsed.changes.length > 0 && routed.dropped === parsed.changes.length) {
      // Every record names a wedding this connection does not serve (another connection's, or none now).
      const first = parsed.changes[0]!;
      const what = 'entity' in first && first.entity === 'payments' ? 'payment' : 'record';
      const whose = ctx.connections.bindingsOf(live.connection.id).length === 1 ? 'this wedding' : 'a wedding this connection serves';
      outcome('ignored');
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: true, ignored: `not a ${what} of ${whose}` }) };
    }
    if (parsed.pull) ctx.requestPull(live);
    outcome('stored');
    return ok;
  }
}
