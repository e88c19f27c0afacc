import * as Y from 'yjs';
import type { Contact, Message, Payment, Task, TimelineEvent, Vendor } from './entities.ts';

/**
 * Reading the wedding's shared types into plain entities. Readers never throw on what a document
 * holds: a value of the wrong type reads as its default, and an entry that is not an entity at all
 * (possible only in documents stored before the server validated updates) is skipped by
 * entityEntries/arrayEntities and reported by WeddingDoc.invalidEntries.
 */

export type YEntity = Y.Map<unknown>;

/** An entry readers skipped: see WeddingDoc.invalidEntries. */
export interface InvalidEntry {
  path: string;
  problem: string;
}

/** The Y.Map entries of a map of entities; anything else under an id is skipped (see invalidEntries). */
export function entityEntries(map: Y.Map<YEntity>): [string, YEntity][] {
  const out: [string, YEntity][] = [];
  for (const [id, v] of map.entries() as IterableIterator<[string, unknown]>) if (v instanceof Y.Map) out.push([id, v as YEntity]);
  return out;
}

export function arrayEntities(array: Y.Array<YEntity>): YEntity[] {
  return (array.toArray() as unknown[]).filter((v): v is YEntity => v instanceof Y.Map);
}

export function rawEntity(m: YEntity): Record<string, unknown> {
  return m.toJSON() as Record<string, unknown>;
}

export function describeValue(v: unknown): string {
  if (v instanceof Y.Text) return 'a Y.Text';
  if (v instanceof Y.Array) return 'a Y.Array';
  if (v instanceof Y.AbstractType) return 'a shared type';
  return `the value ${JSON.stringify(v)?.slice(0, 40) ?? String(v)}`;
}

export function plainMap(m: Y.Map<unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of m.entries()) out[k] = v instanceof Y.AbstractType ? v.toJSON() : v;
  return out;
}

export function str(v: unknown, fallback = ''): string { return typeof v === 'string' ? v : fallback; }
export function num(v: unknown, fallback = 0): number { return typeof v === 'number' && Number.isFinite(v) ? v : fallback; }
export function linksOf(m: YEntity): Record<string, string> {
  const l = m.get('links');
  return l instanceof Y.Map ? (l.toJSON() as Record<string, string>) : {};
}

export function readEvent(id: string, m: YEntity): TimelineEvent {
  const ids = m.get('vendorIds');
  const notes = m.get('notes');
  return {
    id,
    title: str(m.get('title')),
    start: str(m.get('start')),
    end: str(m.get('end')),
    location: str(m.get('location')),
    category: str(m.get('category'), 'other') as TimelineEvent['category'],
    vendorIds: ids instanceof Y.Array ? (ids.toArray() as string[]) : [],
    notes: notes instanceof Y.Text ? notes.toString() : str(notes),
    order: num(m.get('order')),
    links: linksOf(m),
    ...(typeof m.get('outdoor') === 'boolean' ? { outdoor: m.get('outdoor') as boolean } : {}),
  };
}

export function readVendor(id: string, m: YEntity): Vendor {
  const channels = m.get('preferredChannels');
  return {
    id,
    name: str(m.get('name')),
    category: str(m.get('category'), 'other') as Vendor['category'],
    email: str(m.get('email')),
    phone: str(m.get('phone')),
    preferredChannels: Array.isArray(channels) ? (channels as Vendor['preferredChannels']) : [],
    status: str(m.get('status'), 'inquiry') as Vendor['status'],
    links: linksOf(m),
    ...(typeof m.get('notes') === 'string' ? { notes: m.get('notes') as string } : {}),
  };
}

export function readPayment(id: string, m: YEntity): Payment {
  return {
    id,
    vendorId: str(m.get('vendorId')),
    description: str(m.get('description')),
    milestone: str(m.get('milestone'), 'other') as Payment['milestone'],
    amount: num(m.get('amount')),
    amountPaid: num(m.get('amountPaid')),
    amountRefunded: num(m.get('amountRefunded')),
    currency: str(m.get('currency')),
    status: str(m.get('status'), 'planned') as Payment['status'],
    due: str(m.get('due')),
    processor: str(m.get('processor')),
    requestUrl: str(m.get('requestUrl')),
    paidAt: str(m.get('paidAt')),
    links: linksOf(m),
    ...(typeof m.get('invoiceRef') === 'string' ? { invoiceRef: m.get('invoiceRef') as string } : {}),
  };
}

export function readContact(id: string, m: YEntity): Contact {
  const channels = m.get('preferredChannels');
  return {
    id,
    name: str(m.get('name')),
    role: str(m.get('role'), 'other') as Contact['role'],
    email: str(m.get('email')),
    phone: str(m.get('phone')),
    preferredChannels: Array.isArray(channels) ? (channels as Contact['preferredChannels']) : [],
    vendorId: str(m.get('vendorId')),
  };
}

export function readTask(id: string, m: YEntity): Task {
  const eventIds = m.get('eventIds');
  return {
    id,
    kind: str(m.get('kind'), 'other') as Task['kind'],
    title: str(m.get('title')),
    status: str(m.get('status'), 'open') as Task['status'],
    createdAt: str(m.get('createdAt')),
    due: str(m.get('due')),
    vendorId: str(m.get('vendorId')),
    category: str(m.get('category')) as Task['category'],
    eventIds: Array.isArray(eventIds) ? (eventIds as string[]) : [],
    messageId: str(m.get('messageId')),
    notes: str(m.get('notes')),
  };
}

export function readMessage(m: YEntity): Message {
  const out = plainMap(m) as Record<string, unknown>;
  if (!out.acks || typeof out.acks !== 'object') out.acks = {};
  // Messages written before these fields existed read with their defaults.
  if (!out.deliveries || typeof out.deliveries !== 'object') out.deliveries = {};
  if (typeof out.subject !== 'string') out.subject = '';
  if (out.escalateAfterSeconds === undefined) out.escalateAfterSeconds = null;
  if (!out.context || typeof out.context !== 'object') out.context = {};
  if (!out.recipientNames || typeof out.recipientNames !== 'object') out.recipientNames = {};
  return out as unknown as Message;
}
