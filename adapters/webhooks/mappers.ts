import { z } from 'zod';
import { AdapterError, parseDeliveryJson, type InboundChange, type OutboundChange, type SyncEntity } from '../core/index.ts';
import { EVENT_TYPES, type EventType } from './config.ts';
import { wellFormedDeep } from '../../schema/document/text.ts';
import { WeddingIdField } from '../../schema/api/integrations.ts';
import { TimeZone } from '../../schema/document/entities.ts';

/** Fields this adapter carries, per entity: the whole schema entity except ids and links. */
export const WEBHOOK_FIELDS = {
  timeline: ['title', 'start', 'end', 'location', 'category', 'vendorIds', 'notes'],
  vendors: ['name', 'category', 'email', 'phone', 'preferredChannels', 'status'],
  payments: ['vendorId', 'description', 'milestone', 'amount', 'amountPaid', 'amountRefunded', 'currency', 'status', 'due', 'paidAt', 'invoiceRef'],
  guests: ['count', 'rsvpYes', 'rsvpNo', 'rsvpPending', 'dietary'],
  meta: ['title', 'date', 'timezone', 'venue', 'status', 'weddingDayMode'],
} as const satisfies Record<SyncEntity, readonly string[]>;

const ENTITY_OF_PREFIX = { timeline: 'timeline', vendor: 'vendors', payment: 'payments', guests: 'guests', meta: 'meta' } as const;
const PREFIX_OF_ENTITY: Record<SyncEntity, string> = { timeline: 'timeline', vendors: 'vendor', payments: 'payment', guests: 'guests', meta: 'meta' };

/** The body of a Standard Webhook, as the spec suggests: `{ type, timestamp, data }`. */
export const WebhookEnvelope = z.object({
  type: z.enum(EVENT_TYPES),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
  integrationId: z.string().optional(),
  /**
   * The wedding the event is for. Outbound events always carry it; an inbound event sent to a
   * connection that serves several weddings names it (else it goes where the connection's unrouted
   * records go: the wedding that claims them, or the unmatched queue).
   */
  weddingId: WeddingIdField.optional(),
  /**
   * The sender's own id of what the record belongs to, standing for a wedding in its system (a job
   * or project id), when the event names no `weddingId`: routed to the weddings whose binding holds
   * it (`BindBody.references`; added when a person assigns such a record from the unmatched queue or
   * creates a wedding from it). Ids (`data.id`) are then the sender's own, within that reference
   * (jobScopedId): the same id under another reference is another record, and the wedding's entity
   * gets an id of ours.
   */
  reference: z.string().trim().min(1).max(200).optional(),
  /**
   * What may tell the wedding, for a record no wedding holds yet: matched against the weddings the
   * connection serves (date plus couple names or venue), and filled in when a person creates a
   * wedding from it. `date` is a wall date; `timeZone` the IANA zone of the record's times.
   */
  hints: z.object({
    date: z.iso.date().optional(),
    text: z.string().trim().min(1).max(500).optional(),
    venue: z.string().trim().min(1).max(200).optional(),
    timeZone: TimeZone.optional(),
  }).strict().optional(),
});
export type WebhookEnvelope = z.infer<typeof WebhookEnvelope>;

const WithId = z.object({ id: z.string().min(1).max(128) }).passthrough();
/**
 * `alert.weather`: a severe-weather warning for a day (a weather service's alert relayed by Zapier,
 * Make or the planner's own tooling). `date` is the wall date it is for, in the wedding's zone.
 */
export const WeatherAlertData = z.object({
  date: z.iso.date(),
  area: z.string().trim().min(1).max(200).optional(),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  headline: z.string().trim().min(1).max(200),
  description: z.string().trim().max(4000).default(''),
});
const AckData = z.object({ messageId: z.string().min(1), recipientId: z.string().min(1), at: z.iso.datetime({ offset: true }).optional() });

export function parseEnvelope(rawBody: string): WebhookEnvelope {
  let json: unknown;
  try {
    json = parseDeliveryJson(rawBody);
  } catch (error) {
    throw new AdapterError('invalid_payload', 'the webhook body is not JSON', { cause: error });
  }
  const parsed = WebhookEnvelope.safeParse(json);
  if (!parsed.success) {
    throw new AdapterError('invalid_payload', `not a WedSync webhook event: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/**
 * A verified inbound event → the changes it asks for. Unknown fields are dropped; values are
 * checked against the schema by the caller (inbound.ts) and again, with the wedding, when applied. Text is made well-formed (a `\udXXX` escape without its pair reads as U+FFFD).
 */
export function toChanges(event: WebhookEnvelope): InboundChange[] {
  const changes = eventChanges(event);
  const hints = event.hints ? wellFormedDeep(event.hints) : undefined;
  const routed = {
    ...(event.weddingId ? { weddingId: event.weddingId } : {}),
    ...(event.reference ? { reference: wellFormedDeep(event.reference) } : {}),
    ...(hints && Object.keys(hints).length ? { hints } : {}),
  };
  // Records are routed by these; an acknowledgement or an alert is about the wedding as a whole.
  return changes.map((c) => {
    if (c.op !== 'upsert' && c.op !== 'delete') return event.weddingId ? { ...c, weddingId: event.weddingId } : c;
    if (!routed.reference) return { ...c, ...routed };
    // Under a reference the ids are the sender's own, counted within its job (as a preset's records'
    // are): linked by the pair, in an encoding no other pair shares, and the wedding's entity gets an
    // id of ours (derived from it), so JOB-1's `portraits` is neither JOB-2's nor the planner's own.
    const { entityId: _ours, ...rest } = c;
    return { ...rest, ...routed, externalId: jobScopedId(routed.reference, c.externalId) };
  });
}

/** A sender's record id within its job (`reference`): `["<reference>","<id>"]`, which no two different pairs share. */
function jobScopedId(reference: string, id: string): string {
  return JSON.stringify([reference, id]);
}

function eventChanges(event: WebhookEnvelope): InboundChange[] {
  const [prefix, action] = event.type.split('.') as [keyof typeof ENTITY_OF_PREFIX | 'message' | 'alert', string];
  if (prefix === 'alert') {
    const alert = WeatherAlertData.safeParse(event.data);
    if (!alert.success) throw new AdapterError('invalid_payload', `alert.weather: ${alert.error.issues.map((i) => `data.${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { area, ...rest } = alert.data;
    return [{ op: 'alert', kind: 'weather', ...rest, headline: wellFormedDeep(rest.headline), description: wellFormedDeep(rest.description), ...(area ? { area: wellFormedDeep(area) } : {}) }];
  }
  if (prefix === 'message') {
    const ack = AckData.safeParse(event.data);
    if (!ack.success) throw new AdapterError('invalid_payload', 'message.acknowledged needs data.messageId and data.recipientId');
    return [{ op: 'ack', messageId: ack.data.messageId, recipientId: ack.data.recipientId, ...(ack.data.at ? { at: ack.data.at } : {}) }];
  }
  const entity = ENTITY_OF_PREFIX[prefix];
  if (entity === 'guests' || entity === 'meta') {
    return [{ op: 'upsert', entity, externalId: entity, data: pick(event.data, WEBHOOK_FIELDS[entity]) }];
  }
  const withId = WithId.safeParse(event.data);
  if (!withId.success) throw new AdapterError('invalid_payload', `${event.type} needs data.id`);
  const id = withId.data.id;
  if (action === 'deleted') return [{ op: 'delete', entity, externalId: id, entityId: id }];
  return [{ op: 'upsert', entity, externalId: id, entityId: id, data: pick(event.data, WEBHOOK_FIELDS[entity]) }];
}

/**
 * A document change → the outbound event (the inbound shape: symmetric for round trips). The
 * Standard Webhooks payload; `occurredAtMs` (ms since the epoch) is when the change was made, its
 * `timestamp`; `weddingId` the wedding it was made in.
 */
export function toEnvelope(change: OutboundChange, occurredAtMs: number, weddingId: string): { type: EventType; timestamp: string; weddingId: string; data: Record<string, unknown> } {
  const prefix = PREFIX_OF_ENTITY[change.entity];
  const singleton = change.entity === 'guests' || change.entity === 'meta';
  const type = (change.op === 'delete' ? `${prefix}.deleted` : singleton ? `${prefix}.updated` : `${prefix}.upserted`) as EventType;
  const data = change.op === 'delete' ? { id: change.entityId } : { ...(singleton ? {} : { id: change.entityId }), ...change.data };
  // Text written out is well-formed Unicode (JSON would otherwise carry a lone surrogate as \udXXX).
  return { type, timestamp: new Date(occurredAtMs).toISOString(), weddingId, data: wellFormedDeep(data) };
}

export function eventTypeOf(change: OutboundChange): EventType {
  return toEnvelope(change, 0, '').type;
}

function pick(data: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (data[f] !== undefined) out[f] = wellFormedDeep(data[f]);
  return out;
}
