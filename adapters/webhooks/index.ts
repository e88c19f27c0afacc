import crypto from 'node:crypto';
import {
  AdapterError, parseAdapterConfig, parseDeliveryJson,
  type Adapter, type AdapterDefinition, type AdapterInput, type Capability, type WebhookRequest,
} from '../core/index.ts';
import { presetFor } from '../presets/index.ts';
import { PresetConfiguration, WebhooksConfiguration, WebhooksCredentials } from './config.ts';
import { deliver } from './client.ts';
import { parseInbound, signingSecrets, verifyInbound } from './inbound.ts';
import { WEBHOOK_FIELDS, eventTypeOf, toEnvelope } from './mappers.ts';

export const SYSTEM = 'webhooks';
/** The same adapter for a system described by a preset, serving many weddings (a studio's CRM account). */
export const PRESET_SYSTEM = 'preset';

/**
 * The universal adapter: inbound and outbound Standard Webhooks carrying the schema's own entities,
 * or, with `configuration.preset`, a system's own payloads as Zapier or Make send them, read through
 * its preset (adapters/presets/). This is how Zapier, Make, n8n and systems without a public API connect.
 */
function createUniversalAdapter(system: string, input: AdapterInput): Adapter {
  const config = parseAdapterConfig(system, 'configuration', system === PRESET_SYSTEM ? PresetConfiguration : WebhooksConfiguration, input.configuration);
  const credentials = parseAdapterConfig(system, 'credentials', WebhooksCredentials, input.credentials);
  const preset = config.preset === undefined ? undefined : presetFor(config.preset);
  const { runtime } = input;
  const inbound = config.direction !== 'outbound';
  const outbound = config.direction !== 'inbound' && config.url !== undefined;
  const capabilities: Capability[] = [...(inbound ? ['webhook' as const] : []), ...(outbound ? ['push' as const] : [])];
  const send = (id: string, body: string) => deliver({ url: config.url!, secrets: signingSecrets(runtime.webhookSecret, config, runtime.now()), id, body, extraHeaders: credentials.headers, fetch: runtime.fetch, lookup: runtime.egress.lookup, now: runtime.now() });

  return {
    system,
    category: preset?.category ?? 'wedding_planning',
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
      return verifyInbound(request, { webhookSecrets: signingSecrets(runtime.webhookSecret, config, runtime.now()), config, preset, now: runtime.now() });
    },

    parseWebhook(request: WebhookRequest) {
      return { changes: parseInbound(request, { config, preset }) };
    },

    accepts(change) {
      return !config.events || config.events.includes(eventTypeOf(change));
    },

    async push(change, { idempotencyKey, occurredAt }) {
      if (!outbound) throw new AdapterError('unsupported', 'this integration has no subscriber URL');
      // Standard Webhooks: the payload's `timestamp` is when the event occurred, the same on every
      // retry; the attempt's time is the signed `webhook-timestamp` header.
      await send(idempotencyKey, JSON.stringify(toEnvelope(change, occurredAt ?? runtime.now(), runtime.weddingId)));
      return { externalId: change.op === 'delete' ? null : change.entityId };
    },
  };
}

export function createWebhooksAdapter(input: AdapterInput): Adapter {
  return createUniversalAdapter(SYSTEM, input);
}

export const webhooksAdapter: AdapterDefinition = {
  system: SYSTEM,
  fields: WEBHOOK_FIELDS,
  category: 'wedding_planning',
  capabilities: ['webhook', 'push'],
  description: 'Standard Webhooks in and out, carrying WedSync entities (Zapier, Make, n8n, custom systems), for one wedding or, each event naming its wedding, for all of a business\'s; or a preset system\'s own payloads.',
  configuration: WebhooksConfiguration,
  create: createWebhooksAdapter,
  servesManyWeddings: true,
  externalIdsPerWedding: true,
  routeWebhook(request) {
    try {
      const id = (parseDeliveryJson(request.rawBody) as { integrationId?: unknown }).integrationId;
      return typeof id === 'string' ? id : null;
    } catch {
      return null;
    }
  },
};

/**
 * A system without a public API, connected for a workspace through its preset: Zapier/Make deliver
 * its own payloads to the connection's secret URL; each record names its project/job (`reference`)
 * and routing hints, so one connection serves every wedding (docs/connections.md).
 */
export const presetWebhooksAdapter: AdapterDefinition = {
  system: PRESET_SYSTEM,
  fields: WEBHOOK_FIELDS,
  category: 'photography_crm',
  capabilities: ['webhook', 'push'],
  description: 'A CRM, venue, caterer or florist without a public API, through Zapier/Make and its preset (adapters/presets/).',
  configuration: PresetConfiguration,
  create: (input) => createUniversalAdapter(PRESET_SYSTEM, input),
  servesManyWeddings: true,
};
