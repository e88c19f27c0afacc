import crypto from 'node:crypto';

/**
 * What the Stripe sandbox's resource handlers share: the object store, the event log and the
 * sandbox clock. Implemented by `StripeSandbox`; the handlers (`sandbox-payments.ts`,
 * `sandbox-billing.ts`) only see this.
 */

export type Obj = Record<string, unknown> & { id: string; object: string };

export interface SandboxLedger {
  readonly url: string;
  readonly objects: Map<string, Obj>;
  store<T extends Obj>(o: T): T;
  /** The object, or a 404 (`No such <kind>`). */
  must(objectId: string, kind: string): Obj;
  /** Records an event for `object` as it is now, and delivers it to subscribed endpoints. */
  emit(type: string, object: Obj, previous?: Record<string, unknown>): unknown;
  /** The sandbox clock, Unix seconds. */
  seconds(): number;
}

/** A Stripe-shaped id: `<prefix>_<24 characters>`. */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export function notFound(kind: string, objectId: string): Error {
  return Object.assign(new Error(`No such ${kind}: '${objectId}'`), { status: 404 });
}

export function int(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Invalid integer: ${name}`);
  return n;
}

/**
 * An amount Stripe takes for a charge in `currency` (https://docs.stripe.com/currencies, "Special
 * cases"): ISK in multiples of 100 (two-decimal in the API, whole krónur only since April 2023), and
 * three-decimal currencies with their last digit 0. Throws Stripe's message otherwise.
 */
export function chargeable(amount: number, currency: string): number {
  const c = currency.toLowerCase();
  if (c === 'isk' && amount % 100 !== 0) throw new Error('Invalid amount. Currency ISK has become effectively zero-decimal and charged amounts must be evenly divisible by 100.');
  if (['bhd', 'jod', 'kwd', 'omr', 'tnd'].includes(c) && amount % 10 !== 0) throw new Error(`Invalid amount. Amounts in ${c.toUpperCase()} must have 0 as their last digit.`);
  return amount;
}

export const meta = (v: unknown): Record<string, string> => (v && typeof v === 'object' ? v as Record<string, string> : {});

/** A list object as Stripe returns it: `limit` (≤ 100) items after `starting_after`, oldest first as stored. */
export function list(items: Obj[], p: Record<string, unknown>, url: string): Record<string, unknown> {
  const limit = Math.min(100, Math.max(1, Number(p.limit ?? 10)));
  let from = 0;
  if (p.starting_after) {
    const i = items.findIndex((o) => o.id === p.starting_after);
    if (i < 0) throw notFound('object', String(p.starting_after));
    from = i + 1;
  }
  return { object: 'list', data: items.slice(from, from + limit), has_more: items.length > from + limit, url };
}
