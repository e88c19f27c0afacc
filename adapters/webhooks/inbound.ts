import crypto from 'node:crypto';
import { AdapterError, parseDeliveryForm, parseDeliveryJson, verifyStandardWebhook, type InboundChange, type WebhookRequest, type WebhookVerdict } from '../core/index.ts';
import { changesFromTrigger, type Preset } from '../presets/index.ts';
import type { WebhooksConfiguration } from './config.ts';
import { parseEnvelope, toChanges } from './mappers.ts';
import { tokenMatches } from '../core/secret-token.ts';
import { assertFieldValues } from '../core/field-values.ts';
import { queryParam } from './secret-url.ts';

/** What an inbound delivery is checked and read with: the connection's secret, settings and preset. */
export interface InboundContext {
  /** The connection's signing secrets: its own, and the previous one while it is still accepted (`signingSecrets`). */
  webhookSecrets: readonly string[];
  config: WebhooksConfiguration;
  preset: Preset | undefined;
  now: number;
}

/**
 * Authenticates a delivery: by the secret URL (`?token=…`, compared in constant time) when the
 * request carries one, by Standard Webhooks signatures otherwise; then checks it reads.
 *
 * The delivery id: `webhook-id` or `idempotency-key` when the sender gives one (a Zap may set
 * either header), otherwise one per receipt. Zapier sends no id of its own, and two identical
 * payloads can be two real changes (a status set back), so unnamed deliveries are never merged.
 */
export function verifyInbound(request: WebhookRequest, ctx: InboundContext): WebhookVerdict {
  const token = queryParam(request.url, 'token');
  let eventId: string;
  if (token !== undefined) {
    if (!ctx.config.secretUrlToken || !tokenMatches(token, ctx.config.secretUrlToken)) {
      return { ok: false, code: 'signature_invalid', message: 'the secret URL\'s token does not match this connection\'s (it may have been rotated)' };
    }
    const named = request.headers['webhook-id'] || request.headers['idempotency-key'];
    eventId = named ? named.slice(0, 200) : `url_${crypto.createHash('sha256').update(`${request.url}\n${request.rawBody}`).digest('hex').slice(0, 24)}_${request.receivedAt}`;
  } else {
    // Any of the secrets: a sender still on the previous one is accepted until it expires.
    let check = verifyStandardWebhook(ctx.webhookSecrets[0]!, request.headers, request.rawBody, ctx.now, ctx.config.toleranceSeconds);
    for (const older of ctx.webhookSecrets.slice(1)) {
      if (check.ok || check.code !== 'signature_invalid') break;
      check = verifyStandardWebhook(older, request.headers, request.rawBody, ctx.now, ctx.config.toleranceSeconds);
    }
    if (!check.ok) return check;
    eventId = check.id;
  }
  let changes: InboundChange[];
  try {
    // Values are checked against the schema here, on delivery, and not when a stored delivery is
    // parsed again (the inbox, held rows): what was taken then is applied, or parked, as it was.
    changes = parseInbound(request, ctx);
    assertFieldValues(changes);
  } catch (error) {
    if (error instanceof AdapterError) return { ok: false, code: 'invalid_payload', message: error.message };
    throw error;
  }
  return { ok: true, eventId, parsed: { changes } };
}

/**
 * No I/O: a verified delivery → changes. WedSync events (mappers.ts) without a preset; with one,
 * the system's own payload through the preset engine, for the trigger named by `?trigger=`.
 * Bodies are JSON, or form-encoded (`Webhooks by Zapier` with payload type "form"). verifyInbound
 * also checks every field value against the document schema (adapters/core/field-values.ts).
 * @throws AdapterError `invalid_payload`.
 */
export function parseInbound(request: WebhookRequest, ctx: Omit<InboundContext, 'now' | 'webhookSecrets'>): InboundChange[] {
  if (!ctx.preset) return toChanges(parseEnvelope(request.rawBody));
  const trigger = queryParam(request.url, 'trigger');
  const known = ctx.preset.triggers.map((t) => t.id).join(', ') || 'none';
  if (!trigger) throw new AdapterError('invalid_payload', `name the ${ctx.preset.name} trigger in the URL: ?trigger=<one of ${known}>`);
  const payload = readBody(request);
  const { timeZone, currency, vendorId } = ctx.config;
  return changesFromTrigger(ctx.preset, trigger, payload, { ...(timeZone ? { timeZone } : {}), ...(currency ? { currency } : {}), ...(vendorId ? { vendorId } : {}) });
}

function readBody(request: WebhookRequest): unknown {
  if ((request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(parseDeliveryForm(request.rawBody));
  }
  try {
    return parseDeliveryJson(request.rawBody);
  } catch (error) {
    throw new AdapterError('invalid_payload', 'the webhook body is not JSON', { cause: error });
  }
}

/**
 * The secrets a connection signs and verifies with at `now` (ms): its own first, then the one it
 * had before its last rotation, until that one's `previousWebhookSecretExpiresAt`.
 */
export function signingSecrets(webhookSecret: string, config: Pick<WebhooksConfiguration, 'previousWebhookSecret' | 'previousWebhookSecretExpiresAt'>, now: number): string[] {
  const { previousWebhookSecret: previous, previousWebhookSecretExpiresAt: until } = config;
  return previous && until && now < Date.parse(until) && previous !== webhookSecret ? [webhookSecret, previous] : [webhookSecret];
}
