import type { AdapterDefinition, WebhookReply, WebhookRequest } from '../../adapters/core/index.ts';
import { clipText } from '../../schema/document/text.ts';
import type { Metrics } from '../metrics.ts';
import type { AuditLog } from './audit-log.ts';
import { BridgeError } from './bridge-error.ts';
import type { InboxStore } from './inbox-store.ts';
import type { IntegrationRegistry } from './integration-registry.ts';
import { RefusalSampler } from './refusal-sampler.ts';

export interface WebhookIntakeContext {
  registry: IntegrationRegistry;
  inbox: InboxStore;
  audit: AuditLog;
  metrics: Metrics;
  now: () => number;
  /** True when an adapter for `system` exists (its module may not be loaded yet). */
  knowsSystem: (system: string) => boolean;
  definitionOf: (system: string) => Promise<AdapterDefinition>;
  /** Runs the inbox write inside the current group commit, so the reply waits for it to be on disk. */
  inGroup?: <T>(fn: () => T) => T;
  /** Wakes the inbox worker for a wedding with new rows. */
  kick: (weddingId: string) => void;
}

/**
 * Webhook intake: verify the sender's signature, store the event in the inbox, acknowledge.
 * Promises:
 * - the reply never waits for the document or any other system: the inbox row is written
 *   (synchronously, durably) and the inbox worker applies it later;
 * - nothing is stored before the signature is verified, and a duplicate event id is acknowledged
 *   without being stored twice;
 * - refusals come from anyone who knows the URL, so they are audited sampled (RefusalSampler), and
 *   every outcome is counted in `wedsync_webhook_ack_seconds{system,outcome}`.
 */
export class WebhookIntake {
  private readonly refusals: RefusalSampler;

  constructor(private readonly ctx: WebhookIntakeContext) {
    this.refusals = new RefusalSampler(60_000, ctx.now);
  }

  /** True when `integrationId` is an active integration of `system` (checked before a webhook body is read). */
  hasTarget(system: string, integrationId: string): boolean {
    return this.ctx.registry.get(integrationId)?.integration.system === system;
  }

  /** Throws BridgeError `integration_not_found`, `webhook_not_supported` or the verdict's signature code. */
  async receive(system: string, integrationId: string | null, request: WebhookRequest): Promise<WebhookReply> {
    const { ctx } = this;
    const started = performance.now();
    const outcome = (label: string) => ctx.metrics.webhookAckSeconds.observe({ system, outcome: label }, (performance.now() - started) / 1000);
    const definition = ctx.knowsSystem(system) ? await ctx.definitionOf(system) : undefined;
    const id = integrationId ?? definition?.routeWebhook?.(request) ?? null;
    const live = id ? ctx.registry.get(id) : undefined;
    if (!definition || !live || live.integration.system !== system) {
      outcome('unknown');
      throw new BridgeError('integration_not_found', `no active ${system} integration ${id ?? '(not found in the payload)'}`);
    }
    const { adapter, integration } = live;
    if (!adapter.capabilities.includes('webhook') || !adapter.verifyWebhook || !adapter.parseWebhook) {
      outcome('unsupported');
      throw new BridgeError('webhook_not_supported', `${system} integrations do not take webhooks`);
    }
    const verdict = await adapter.verifyWebhook(request);
    if (!verdict.ok) {
      outcome('refused');
      const refusals = this.refusals.take(integration.id);
      if (refusals !== null) {
        ctx.audit.record({ weddingId: integration.weddingId, integrationId: integration.id, actor: 'external', action: 'webhook.refused', result: 'refused', detail: { code: verdict.code, message: clipText(verdict.message, 300), refusals } });
      }
      throw new BridgeError(verdict.code, verdict.message);
    }
    if (verdict.ignore) {
      if (verdict.notice) ctx.audit.record({ weddingId: integration.weddingId, integrationId: integration.id, actor: 'external', action: 'webhook.ignored', result: 'skipped', detail: { eventId: verdict.eventId, reason: clipText(verdict.notice, 300) } });
      outcome('handshake');
      return verdict.reply ?? { status: 200, body: JSON.stringify({ received: true }) };
    }
    const store = () => ctx.inbox.add({ integrationId: integration.id, weddingId: integration.weddingId, eventId: verdict.eventId, kind: 'webhook', payload: JSON.stringify(request), receivedAt: request.receivedAt });
    const rowId = ctx.inGroup ? ctx.inGroup(store) : store();
    if (rowId === null) {
      outcome('duplicate');
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: true, duplicate: true }) };
    }
    ctx.kick(integration.weddingId);
    outcome('stored');
    return verdict.reply ?? { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ received: true }) };
  }
}
