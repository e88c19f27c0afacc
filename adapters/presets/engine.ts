import type { ZodType } from 'zod';
import { GuestsPatch, Payment, TimelineEventPatch, Vendor, WeddingMetaPatch } from '../../schema/document/entities.ts';
import { wellFormedDeep } from '../../schema/document/text.ts';
import { isKnownTimeZone } from '../core/calendar-time.ts';
import { AdapterError } from '../core/errors.ts';
import type { InboundChange, RoutingHints } from '../core/types.ts';
import { MAX_PLUS_MINUTES, type FieldMap, type Preset, type RecordMap, type Trigger, type Value, type ValueSpec } from './schema.ts';
import {
  TransformError, joinNames, mapStatus, splitNames, splitPersonName, toIsoDate, toMinorUnits, toZonedDateTime,
} from './transforms.ts';

/**
 * The preset engine: a system's payload (a Zapier/Make trigger's data, or one CSV export row) and
 * its preset → the changes it asks for, in our schema's vocabulary. Pure: no I/O, no clock.
 */

/** What the connection adds to a preset: its zone and currency when the payload names none, and the vendor whose payments these are. */
export interface EngineOptions {
  /** IANA zone for wall times the payload gives without one. @default the preset's `defaults.timeZone` */
  timeZone?: string;
  /** ISO 4217 code for amounts the payload gives without one. @default the preset's `defaults.currency` */
  currency?: string;
  /** Our vendor id the payments belong to (Payment.vendorId); without it payments carry none. */
  vendorId?: string;
}

/** The trigger a delivery names: our id (`new_project_booked`) or the system's name (`New Project Booked`), case-insensitively. */
export function findTrigger(preset: Preset, name: string): Trigger | undefined {
  const key = name.trim().toLowerCase();
  return preset.triggers.find((t) => t.id === key || t.name.toLowerCase() === key);
}

/**
 * A trigger's payload → changes. Throws AdapterError `invalid_payload` naming the trigger and the
 * field when the trigger is unknown, the payload is not an object, or a value does not read.
 */
export function changesFromTrigger(preset: Preset, trigger: string, payload: unknown, options: EngineOptions = {}): InboundChange[] {
  const t = findTrigger(preset, trigger);
  if (!t) {
    throw new AdapterError('invalid_payload', `${preset.name} has no trigger ${JSON.stringify(trigger)}; known: ${preset.triggers.map((x) => x.id).join(', ') || 'none'}`);
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new AdapterError('invalid_payload', `${preset.name} "${t.name}": the payload is not a JSON object`);
  return run(preset, t.map, payload as Record<string, unknown>, options, `${preset.name} "${t.name}"`);
}

/** One row of the system's CSV export (column → cell) → changes; errors as `changesFromTrigger`. */
export function changesFromCsvRow(preset: Preset, row: Record<string, string>, options: EngineOptions = {}): InboundChange[] {
  if (!preset.csv) throw new AdapterError('invalid_payload', `${preset.name} has no CSV export`);
  return run(preset, preset.csv.map, row, options, `${preset.name} CSV row`);
}

/** A column name as compared: spreadsheets and people change case and spacing (`project  name`). */
export function columnKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The preset's own name for each header cell (`project  name` → `Project Name`), so rows read by
 * the preset's paths; a cell naming none of its columns is kept as written (trimmed).
 */
export function presetColumnNames(preset: Preset, header: readonly string[]): string[] {
  const byKey = new Map((preset.csv?.columns ?? []).map((c) => [columnKey(c), c]));
  return header.map((h) => byKey.get(columnKey(h)) ?? h.trim());
}

/**
 * Compares a CSV header with the preset's columns, ignoring case and spacing: `missing` required
 * columns make the file unreadable with this preset; `unknown` ones are ignored.
 */
export function checkCsvHeader(preset: Preset, header: readonly string[]): { missing: string[]; unknown: string[] } {
  const columns = new Set((preset.csv?.columns ?? []).map(columnKey));
  const have = new Set(header.map(columnKey));
  return {
    missing: (preset.csv?.required ?? []).filter((c) => !have.has(columnKey(c))),
    unknown: [...new Set(header.map((h) => h.trim()))].filter((h) => h !== '' && !columns.has(columnKey(h))),
  };
}

/** Reads a dot path; a key that is itself the whole path (a CSV column `Client.Name`) wins. */
export function readPath(source: unknown, path: string): unknown {
  if (source && typeof source === 'object' && Object.hasOwn(source, path)) return (source as Record<string, unknown>)[path];
  let at: unknown = source;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object') return undefined;
    at = Array.isArray(at) ? at[Number(key)] : Object.hasOwn(at, key) ? (at as Record<string, unknown>)[key] : undefined;
  }
  return at;
}

interface Context {
  payload: Record<string, unknown>;
  zone: string | undefined;
  currency: string | undefined;
  where: string;
}

const VALIDATORS: Record<RecordMap['entity'], ZodType> = {
  meta: WeddingMetaPatch, guests: GuestsPatch, timeline: TimelineEventPatch, payments: Payment.partial(), vendors: Vendor.partial(),
};

function run(preset: Preset, map: FieldMap, payload: Record<string, unknown>, options: EngineOptions, where: string): InboundChange[] {
  const zone = options.timeZone ?? preset.defaults.timeZone;
  if (zone !== undefined && !isKnownTimeZone(zone)) throw new AdapterError('invalid_config', `${zone} is not an IANA time zone`);
  const ctx: Context = { payload, zone, currency: options.currency ?? preset.defaults.currency, where };
  const reference = asText(evaluate(map.reference, ctx, 'reference'));
  if (!reference) throw new AdapterError('invalid_payload', `${where}: no ${describe(map.reference)} (the ${preset.name} id this record belongs to)`);
  const hints: RoutingHints = {};
  for (const key of ['date', 'text', 'venue', 'timeZone'] as const) {
    const spec = map.hints[key];
    const v = spec === undefined ? undefined : asText(evaluate(spec, ctx, `hints.${key}`));
    if (v) hints[key] = v;
  }
  const changes: InboundChange[] = [];
  for (const r of map.records) {
    const id = r.id === undefined ? undefined : asText(evaluate(r.id, ctx, `${r.entity}.id`));
    if (r.id !== undefined && !id) continue; // the payload carries no such record (a trigger with optional parts)
    const externalId = `${reference}:${r.entity}${id ? `:${id}` : ''}`;
    const routed = { reference, ...(Object.keys(hints).length ? { hints } : {}) };
    if (r.op === 'delete') {
      changes.push({ op: 'delete', entity: r.entity, externalId, ...routed });
      continue;
    }
    const data: Record<string, unknown> = {};
    for (const [field, spec] of Object.entries(r.fields) as Array<[string, ValueSpec]>) {
      const v = evaluate(spec, ctx, `${r.entity}.${field}`);
      if (v !== undefined) data[field] = v;
    }
    if (r.entity === 'payments') {
      if (options.vendorId && data.vendorId === undefined) data.vendorId = options.vendorId;
      if (data.currency === undefined && ctx.currency && ['amount', 'amountPaid', 'amountRefunded'].some((f) => f in data)) data.currency = ctx.currency;
    }
    if (r.entity === 'timeline') {
      const end = endOnNextDay(r.fields, data, ctx);
      if (end !== undefined) data.end = end;
    }
    if (Object.keys(data).length === 0) continue;
    const checked = VALIDATORS[r.entity].safeParse(r.entity === 'timeline' ? { id: 'x', ...data } : data);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new AdapterError('invalid_payload', `${where}: ${r.entity}.${issue.path.join('.')}: ${issue.message}`);
    }
    changes.push({ op: 'upsert', entity: r.entity, externalId, data: wellFormedDeep(data) as Record<string, unknown>, ...routed });
  }
  if (!hints.timeZone && zone) for (const c of changes) if (c.op === 'upsert' || c.op === 'delete') c.hints = { ...c.hints, timeZone: zone };
  if (!hints.date) {
    const date = changes.find((c) => c.op === 'upsert' && c.entity === 'meta' && typeof c.data.date === 'string');
    if (date && date.op === 'upsert') for (const c of changes) if (c.op === 'upsert' || c.op === 'delete') c.hints = { ...c.hints, date: date.data.date as string };
  }
  return changes;
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function describe(spec: ValueSpec): string {
  return typeof spec === 'string' ? spec : 'from' in spec ? String(spec.from) : spec.as;
}

/** Reads a value; undefined when the payload leaves it empty. Throws AdapterError naming the field. */
function evaluate(spec: ValueSpec, ctx: Context, field: string, read: (value: Value) => unknown = (value) => apply(value, ctx)): unknown {
  const value: Value = typeof spec === 'string' ? { as: 'text', from: spec } : spec;
  try {
    return read(value);
  } catch (error) {
    if (error instanceof TransformError) throw new AdapterError('invalid_payload', `${ctx.where}: ${field} (from ${describe(spec)}): ${error.message}`, { cause: error });
    throw error;
  }
}

function zoneOf(v: { zone?: string | undefined; zoneFrom?: string | undefined }, ctx: Context): string | undefined {
  const fromPayload = v.zoneFrom ? asText(readPath(ctx.payload, v.zoneFrom)) : undefined;
  if (fromPayload !== undefined) {
    if (!isKnownTimeZone(fromPayload)) throw new TransformError(`${JSON.stringify(fromPayload)} is not an IANA time zone`);
    return fromPayload;
  }
  return v.zone ?? ctx.zone;
}

function apply(v: Value, ctx: Context): unknown {
  if (v.as === 'const') return v.value;
  if (v.as === 'join') return asText(joinNames(v.from.map((p) => asText(readPath(ctx.payload, p)) ?? ''), v.separator));
  const raw = readPath(ctx.payload, v.from);
  if (v.as === 'money' && typeof raw === 'number') return money(v, raw, ctx);
  const text = asText(raw);
  if (text === undefined) return undefined;
  switch (v.as) {
    case 'text':
      return v.maxLength ? text.slice(0, v.maxLength) : text;
    case 'integer': {
      const m = /^-?\d[\d,]*/.exec(text);
      if (!m) throw new TransformError(`${JSON.stringify(text)} is not a whole number`);
      return Number(m[0].replace(/,/g, ''));
    }
    case 'date':
      return toIsoDate(text, zoneOf(v, ctx), v.format);
    case 'datetime':
      return datetime(v, text, ctx);
    case 'money':
      return money(v, text, ctx);
    case 'split': {
      const name = splitNames(text)[v.index];
      if (name === undefined) return undefined;
      return v.part === 'full' ? name : asText(splitPersonName(name)[v.part]);
    }
    case 'status':
      return mapStatus(text, v.table, v.default);
  }
}

/** Reads a `datetime` value whose date text is `text`; `plusDays` moves a wall date (see `endOnNextDay`). */
function datetime(v: Extract<Value, { as: 'datetime' }>, text: string, ctx: Context, plusDays = 0): string {
  const zone = zoneOf(v, ctx);
  if (!zone) throw new TransformError('no time zone: set the preset\'s defaults.timeZone or the connection\'s timeZone');
  const time = clockOf(v, text, ctx);
  const plusMinutes = typeof v.plusMinutes === 'string' ? Number(asText(readPath(ctx.payload, v.plusMinutes)) ?? 0) : v.plusMinutes;
  // A duration read from the payload is held to what a constant may be (a week either way), so
  // a date shifted out of any calendar is refused here, not by the formatter (a RangeError).
  if (plusMinutes !== undefined && (!Number.isFinite(plusMinutes) || Math.abs(plusMinutes) > MAX_PLUS_MINUTES)) {
    throw new TransformError(`the duration is not a number of minutes between -${MAX_PLUS_MINUTES} and ${MAX_PLUS_MINUTES}`);
  }
  return toZonedDateTime(text, zone, { ...(time ? { time } : {}), format: v.format, ...(plusMinutes ? { plusMinutes } : {}), ...(plusDays ? { plusDays } : {}) });
}

/** The clock time a `datetime` takes from its `time` path (or `defaultTime`) when its date text has none of its own. */
function clockOf(v: Extract<Value, { as: 'datetime' }>, text: string, ctx: Context): string | undefined {
  const time = v.time ? asText(readPath(ctx.payload, v.time)) ?? v.defaultTime : v.defaultTime;
  return time !== undefined && !/\d[T ]\d{1,2}:/.test(text) ? time : undefined;
}

/**
 * A timeline entry's end given only as a clock time on its start's date (CaterTrax `Event Date`,
 * `Start Time 6:00 PM`, `End Time 12:30 AM`) that falls before the start is on the next day: the
 * end read again one day later, when that makes the entry at most 12 hours long. Undefined for any
 * other end, so an explicit end date-time before its start, or a typo making a 23-hour entry, is
 * still refused by the timeline's validator.
 */
function endOnNextDay(fields: { start?: ValueSpec | undefined; end?: ValueSpec | undefined }, data: Record<string, unknown>, ctx: Context): string | undefined {
  const [start, end] = [fields.start, fields.end];
  if (typeof data.start !== 'string' || typeof data.end !== 'string' || !(Date.parse(data.end) < Date.parse(data.start))) return undefined;
  if (typeof start !== 'object' || typeof end !== 'object' || start.as !== 'datetime' || end.as !== 'datetime') return undefined;
  if (start.from !== end.from || end.plusMinutes !== undefined || !end.time) return undefined;
  const text = asText(readPath(ctx.payload, end.from));
  const clock = text === undefined ? undefined : clockOf(end, text, ctx);
  if (text === undefined || clock === undefined || asText(readPath(ctx.payload, end.time)) === undefined) return undefined;
  const next = evaluate(end, ctx, 'timeline.end', () => datetime(end, text, ctx, 1)) as string;
  // Past midnight, not a slip of the keyboard: an end that would make the entry longer than half a
  // day (6:00 PM to 5:00 PM) is left for the validator to refuse.
  return Date.parse(next) - Date.parse(data.start) <= MAX_OVERNIGHT_MS ? next : undefined;
}

/** The longest entry an end past midnight may make (ms): a reception from 6 PM to 2 AM is 8 h. */
const MAX_OVERNIGHT_MS = 12 * 3_600_000;

function money(v: Extract<Value, { as: 'money' }>, raw: unknown, ctx: Context): number {
  const currency = (v.currencyFrom ? asText(readPath(ctx.payload, v.currencyFrom))?.toUpperCase() : undefined) ?? v.currency ?? ctx.currency;
  if (!currency) throw new TransformError('no currency: set the field\'s currency, the preset\'s defaults.currency or the connection\'s currency');
  if (v.cents) {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isSafeInteger(n)) throw new TransformError(`${JSON.stringify(raw)} is not a whole number of minor units`);
    return n;
  }
  return toMinorUnits(raw, currency, v.decimal);
}
