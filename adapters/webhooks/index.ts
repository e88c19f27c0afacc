import crypto from 'node:crypto';
import {
  AdapterError, parseAdapterConfig, verifyStandardWebhook,
  type Adapter, type AdapterDefinition, type AdapterInput, type Capability, type WebhookRequest,
} from '../core/index.ts';
import { WebhooksConfiguration, WebhooksCredentials } from './config.ts';
import { deliver } from './client.ts';
import { WEBHOOK_FIELDS, eventTypeOf, parseEnvelope, toChanges, toEnvelope } from './mappers.ts';

export const SYSTEM = 'webhooks';

/**
 * The universal adapter: inbound and outbound Standard Webhooks carrying the schema's own entities.
 * This is how Zapier, Make, n8n and systems without a public API connect.
 */
export function createWebhooksAdapter(input: AdapterInput): Adapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', WebhooksConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', WebhooksCredentials, input.credentials);
  const { runtime } = input;
  const inbound = config.direction !== 'outbound';
  const outbound = config.direction !== 'inbound' && config.url !== undefined;
  const capabilities: Capability[] = [...(inbound ? ['webhook' as const] : []), ...(outbound ? ['push' as const] : [])];
  const send = (id: string, body: string) => deliver({ url: config.url!, secret: runtime.webhookSecret, id, body, extraHeaders: credentials.headers, fetch: runtime.fetch, lookup: runtime.egress.lookup, now: runtime.now() });

  return {
    system: SYSTEM,
    category: 'wedding_planning',
    capabilities,
    fields: WEBHOOK_FIELDS,

    async testConnection() {
      if (!outbound) return;
      // A signed ping: proves the URL answers and lets the subscriber check our signature.
      const body = JSON.stringify({ type: 'wedsync.ping', timestamp: new Date(runtime.now()).toISOString(), data: { integrationId: runtime.integrationId } });
      await send(`ping_${crypto.randomUUID()}`, body);
    },

    verifyWebhook(request: WebhookRequest) {
      if (!inbound) return { ok: false, code: 'signature_invalid', message: 'this integration is outbound only' };
      const check = verifyStandardWebhook(runtime.webhookSecret, request.headers, request.rawBody, runtime.now(), config.toleranceSeconds);
      if (!check.ok) return check;
      try {
        parseEnvelope(request.rawBody);
      } catch (error) {
        return { ok: false, code: 'invalid_payload', message: (error as Error).message };
      }
      return { ok: true, eventId: check.id };
    },

    parseWebhook(request: WebhookRequest) {
      return { changes: toChanges(parseEnvelope(request.rawBody)) };
    },

    accepts(change) {
      return !config.events || config.events.includes(eventTypeOf(change));
    },

    async push(change, { idempotencyKey }) {
      if (!outbound) throw new AdapterError('unsupported', 'this integration has no subscriber URL');
      await send(idempotencyKey, JSON.stringify(toEnvelope(change, runtime.now())));
      return { externalId: change.op === 'delete' ? null : change.entityId };
    },
  };
}

export const webhooksAdapter: AdapterDefinition = {
  system: SYSTEM,
  fields: WEBHOOK_FIELDS,
  category: 'wedding_planning',
  capabilities: ['webhook', 'push'],
  description: 'Standard Webhooks in and out, carrying WedSync entities (Zapier, Make, n8n, custom systems).',
  configuration: WebhooksConfiguration,
  create: createWebhooksAdapter,
  routeWebhook(request) {
    try {
      const id = (JSON.parse(request.rawBody) as { integrationId?: unknown }).integrationId;
      return typeof id === 'string' ? id : null;
    } catch {
      return null;
    }
  },
};
