import crypto from 'node:crypto';
import { wellFormed } from '../../schema/document/text.ts';
import type { SyncEntity } from './types.ts';

/** Fields holding instants: compared by the moment they denote, not by their spelling. */
const INSTANT_FIELDS = new Set(['start', 'end', 'at']);
/** Fields holding sets: compared regardless of order. */
const SET_FIELDS = new Set(['vendorIds', 'preferredChannels']);

/**
 * A field's value in canonical form, so `14:00+01:00` equals `13:00Z`, `[b,a]` equals `[a,b]`, and
 * text compares as Unicode text: canonically equivalent spellings (`é` precomposed or as `e` + U+0301,
 * Unicode NFC) are the same value, and a lone surrogate reads as the U+FFFD every peer stores.
 */
export function normalizeField(field: string, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (INSTANT_FIELDS.has(field) && typeof value === 'string') {
    const t = Date.parse(value);
    return Number.isFinite(t) ? new Date(t).toISOString() : value;
  }
  if (typeof value === 'string') return wellFormed(value).normalize('NFC');
  if (SET_FIELDS.has(field) && Array.isArray(value)) return [...value].map(String).sort();
  if (typeof value === 'object') return canonical(value);
  return value;
}

export function sameField(field: string, a: unknown, b: unknown): boolean {
  return JSON.stringify(normalizeField(field, a)) === JSON.stringify(normalizeField(field, b));
}

/** The given fields of `data`, normalized; fields `data` does not have are left out. */
export function project(data: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (data[f] !== undefined) out[f] = normalizeField(f, data[f]);
  return out;
}

/** A stable hash of an entity's synced content: equal content, equal hash, whatever the key order. */
export function contentHash(entity: SyncEntity, projected: Record<string, unknown>): string {
  return crypto.createHash('sha256').update(entity).update('\0').update(JSON.stringify(canonical(projected))).digest('base64url').slice(0, 32);
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value as object).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}
