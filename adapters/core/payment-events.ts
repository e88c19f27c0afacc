import crypto from 'node:crypto';
import type { Payment } from '../../schema/index.ts';
import { olderSnapshot, type AdapterState, type InboundChange, type SnapshotOrder } from './types.ts';
import { ownValue, setOwn } from '../../schema/own-keys.ts';

/**
 * Shared by the payment processor adapters (Stripe, Square, PayPal).
 *
 * Processors do not promise to deliver events in order (Stripe says so explicitly), and each event
 * carries a snapshot of its object. Applying `payment_intent.created` after `succeeded` would take
 * a paid deposit back to pending. So each adapter keeps, per external object, the position of the
 * newest snapshot it has let through (the processor's timestamp or version, then the status rank
 * for ties within one second) and drops older snapshots when they arrive: acknowledged, not applied.
 * That spares the inbox what is already known to be stale, but intake order is not the order of
 * applying (concurrent deliveries stored in the other order, a pull beside a webhook, another
 * instance's intake): each change also carries its position (InboundChange `position`), and the
 * bridge skips one older than the newest applied to its object (server/bridge/inbound-applier.ts).
 */

/** Lifecycle order of payment statuses, to break ties between events stamped with the same second. */
export const PAYMENT_STATUS_RANK: Readonly<Record<Payment['status'], number>> = {
  planned: 0, pending: 1, requires_action: 2, processing: 3, failed: 3, partially_paid: 4, paid: 5, cancelled: 5,
  partially_refunded: 6, refunded: 7,
};

/** Where one snapshot sits in its object's history: `at` the processor's clock (ms) or version. */
export interface SnapshotPosition extends SnapshotOrder {
  /** The external object (payment intent, invoice, order) the snapshot is of. */
  key: string;
}

const SLOT = 'freshness';

/**
 * High-water marks per external object, persisted in the adapter's state. Bounded: the oldest marks
 * are forgotten first (an object quiet for that long has no stragglers left in flight).
 */
export class FreshnessLog {
  constructor(private readonly state: AdapterState, private readonly max = 500) {}

  /** `[at, rank]`, or `[at, rank, progress]` (marks written before progress have two). */
  private marks(): Record<string, [number, number, number?]> {
    const raw = this.state.get()[SLOT];
    return raw && typeof raw === 'object' ? (raw as Record<string, [number, number, number?]>) : {};
  }

  /** True when a newer snapshot of the same object has already been let through. */
  isStale(p: SnapshotPosition): boolean {
    const mark = ownValue(this.marks(), p.key);
    if (!mark) return false;
    const [at, rank, progress] = mark;
    return olderSnapshot(p, { at, rank, progress });
  }

  /** Records `p` as the newest snapshot of its object (when it is). */
  record(p: SnapshotPosition): void {
    if (this.isStale(p)) return;
    const marks = { ...this.marks() };
    const current = ownValue(marks, p.key);
    // Not stale, so as new as the mark or newer: nothing to write when it is the mark itself.
    if (current && current[0] === p.at && current[1] === p.rank && (current[2] ?? 0) === (p.progress ?? 0)) return;
    setOwn(marks, p.key, p.progress ? [p.at, p.rank, p.progress] : [p.at, p.rank]);
    const keys = Object.keys(marks);
    if (keys.length > this.max) {
      keys.sort((a, b) => marks[a]![0] - marks[b]![0]);
      for (const k of keys.slice(0, keys.length - this.max)) delete marks[k];
    }
    this.state.set({ ...this.state.get(), [SLOT]: marks });
  }
}

/**
 * Tags that tie a processor's object to a WedSync payment. Set on everything WedSync creates
 * (Stripe metadata, Square payment notes, PayPal `custom_id`) and read back from every event.
 */
export interface PaymentTag {
  weddingId: string;
  paymentId: string;
}

/**
 * Secrets an adapter receives from its processor at run time (e.g. the signing secret Stripe
 * returns when a webhook endpoint is created) are kept in the adapter state encrypted with a key
 * derived from the integration's own webhook secret, which the bridge stores encrypted.
 */
export function sealSecret(keyMaterial: string, plaintext: string): string {
  const key = crypto.hkdfSync('sha256', keyMaterial, 'wedsync-adapter-state', 'sealed-secret', 32);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', Buffer.from(key), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function openSecret(keyMaterial: string, sealed: string): string | null {
  const [v, iv, body, tag] = sealed.split('.');
  if (v !== 'v1' || !iv || !body || !tag) return null;
  try {
    const key = crypto.hkdfSync('sha256', keyMaterial, 'wedsync-adapter-state', 'sealed-secret', 32);
    const decipher = crypto.createDecipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

const READ_BACKS = 'readBacks';

/**
 * Changes an adapter read back from its processor while verifying a webhook (the event named a
 * refund, not the payment it belongs to), kept by event id for `parseWebhook`, which is pure and
 * runs later from the inbox. Persisted in the adapter state and bounded: a row whose entry is gone
 * prompts a pull instead, which finds the same payment again.
 */
export class ReadBackCache {
  constructor(private readonly state: AdapterState, private readonly max = 200) {}

  get(eventId: string): InboundChange[] | undefined {
    const raw = this.state.get()[READ_BACKS];
    return raw && typeof raw === 'object' ? ownValue(raw as Record<string, InboundChange[]>, eventId) : undefined;
  }

  set(eventId: string, changes: InboundChange[]): void {
    const raw = this.state.get()[READ_BACKS];
    const next: Record<string, InboundChange[]> = { ...(raw && typeof raw === 'object' ? raw as Record<string, InboundChange[]> : {}), [eventId]: changes };
    const keys = Object.keys(next);
    for (const k of keys.slice(0, Math.max(0, keys.length - this.max))) delete next[k];
    this.state.set({ ...this.state.get(), [READ_BACKS]: next });
  }
}
