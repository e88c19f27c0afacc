import * as Y from 'yjs';
import { Delivery, Message, type MessageInput } from './entities.ts';
import type { TxOrigin } from './origins.ts';
import { SchemaError, parseOrThrow } from '../errors.ts';
import { assertRoom } from './limits.ts';
import { arrayEntities, readMessage, type YEntity } from './readers.ts';
import { jsonBytes } from './y-writes.ts';
import type { WeddingDoc } from './wedding-doc.ts';

/**
 * The wedding's messages (the `messages` Y.Array): each a Y.Map with its scalars, its `acks`
 * (recipient id → ISO 8601 time) and its `deliveries` (`<recipientId>/<channel>` → Delivery).
 * WeddingDoc's message methods are these.
 */

/** The key of one send in a message's `deliveries`. */
export function deliveryKey(recipientId: string, channel: string): string {
  return `${recipientId}/${channel}`;
}

/**
 * Which delivery status may follow which: a status callback that arrives late (`sent` after
 * `delivered`) never moves a send backwards, while a dead-lettered send that is replayed may still
 * succeed.
 */
const DELIVERY_NEXT: Record<Delivery['status'], readonly Delivery['status'][]> = {
  queued: ['queued', 'retrying', 'sent', 'delivered', 'read', 'failed', 'skipped'],
  retrying: ['queued', 'retrying', 'sent', 'delivered', 'read', 'failed', 'skipped'],
  sent: ['delivered', 'read', 'failed'],
  delivered: ['read'],
  read: [],
  failed: ['queued', 'sent', 'delivered', 'read'],
  skipped: ['queued'],
};

/** The message's map; newest last, so searching from the end finds recent messages (the ones still being delivered) first. */
export function messageMap(messages: Y.Array<YEntity>, id: string): YEntity | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages.get(i) as unknown;
    if (m instanceof Y.Map && m.get('id') === id) return m as YEntity;
  }
  return undefined;
}

export function messageHeader(messages: Y.Array<YEntity>, id: string): Omit<Message, 'acks' | 'deliveries'> | undefined {
  const m = messageMap(messages, id);
  if (!m) return undefined;
  // Defaults for messages written before these fields existed, as readMessage gives them.
  const out: Record<string, unknown> = { subject: '', escalateAfterSeconds: null, context: {}, recipientNames: {} };
  for (const [k, v] of m.entries()) if (k !== 'acks' && k !== 'deliveries') out[k] = v instanceof Y.AbstractType ? v.toJSON() : v;
  return out as Omit<Message, 'acks' | 'deliveries'>;
}

export function deliveriesOf(messages: Y.Array<YEntity>, messageId: string, keys?: readonly string[]): Delivery[] {
  const d = messageMap(messages, messageId)?.get('deliveries');
  if (!(d instanceof Y.Map)) return [];
  if (!keys) return [...d.values()] as Delivery[];
  return keys.map((k) => d.get(k) as Delivery | undefined).filter((x): x is Delivery => x !== undefined);
}

export function appendMessage(doc: WeddingDoc, input: MessageInput, origin?: TxOrigin): Message {
  const message = parseOrThrow(Message, {
    at: new Date().toISOString(), channels: ['wedsync_chat'], priority: 'normal', requiresAck: false, acks: {},
    recipientIds: [], ...input,
  }, 'message');
  for (const [key, d] of Object.entries(message.deliveries)) {
    if (key !== deliveryKey(d.recipientId, d.channel)) throw new SchemaError('validation_failed', `delivery key ${key} must be ${deliveryKey(d.recipientId, d.channel)}`, [{ path: `deliveries.${key}`, message: 'key must be <recipientId>/<channel>' }]);
  }
  assertRoom(doc.ydoc, { bytes: jsonBytes(message) });
  doc.transact(() => {
    const m = new Y.Map<unknown>();
    const { acks, deliveries, ...scalars } = message;
    for (const [k, v] of Object.entries(scalars)) m.set(k, v);
    const a = new Y.Map<unknown>();
    for (const [k, v] of Object.entries(acks)) a.set(k, v);
    m.set('acks', a);
    const d = new Y.Map<unknown>();
    for (const [k, v] of Object.entries(deliveries)) d.set(k, v);
    m.set('deliveries', d);
    doc.messages.push([m]);
  }, origin);
  return message;
}

export function recordDelivery(doc: WeddingDoc, messageId: string, delivery: Delivery, origin?: TxOrigin): Delivery {
  const valid = parseOrThrow(Delivery, delivery, 'delivery');
  const m = messageMap(doc.messages, messageId);
  if (!m) throw new SchemaError('not_found', `no message ${messageId}`);
  const key = deliveryKey(valid.recipientId, valid.channel);
  let map = m.get('deliveries');
  const current = map instanceof Y.Map ? (map.get(key) as Delivery | undefined) : undefined;
  let next: Delivery;
  if (current && !DELIVERY_NEXT[current.status].includes(valid.status)) {
    // The status stands; a later report may still carry a higher attempt count or the provider's id.
    next = { ...current, attempts: Math.max(current.attempts, valid.attempts), providerId: current.providerId ?? valid.providerId };
    if (next.attempts === current.attempts && next.providerId === current.providerId) return current;
  } else {
    next = current
      ? { ...valid, queuedAt: valid.status === 'queued' ? valid.queuedAt : current.queuedAt, attempts: Math.max(current.attempts, valid.attempts), providerId: valid.providerId ?? current.providerId }
      : valid;
  }
  doc.transact(() => {
    if (!(map instanceof Y.Map)) {
      map = new Y.Map<unknown>();
      m.set('deliveries', map);
    }
    (map as Y.Map<unknown>).set(key, next);
  }, origin);
  return next;
}

export function acknowledgeMessage(doc: WeddingDoc, messageId: string, recipientId: string, at: string, origin?: TxOrigin): Message {
  const m = arrayEntities(doc.messages).find((x) => x.get('id') === messageId);
  if (!m) throw new SchemaError('not_found', `no message ${messageId}`);
  const acks = m.get('acks');
  doc.transact(() => {
    if (acks instanceof Y.Map) {
      if (!acks.has(recipientId)) acks.set(recipientId, at);
    } else {
      const a = new Y.Map<unknown>();
      a.set(recipientId, at);
      m.set('acks', a);
    }
  }, origin);
  return readMessage(m);
}
