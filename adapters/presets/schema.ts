import { z } from 'zod';
import { SYSTEM_CATEGORIES } from '../../schema/api/integrations.ts';
import { TimeZone } from '../../schema/document/entities.ts';

/** The most a `plusMinutes` shift may be, either way: a week (constant or read from the payload). */
export const MAX_PLUS_MINUTES = 10_080;

/**
 * A preset describes, as data, a system without a public API: how it reaches the world (Zapier and
 * Make triggers and actions, CSV exports, calendar feeds), the payloads it sends, and how their
 * fields map onto the wedding document's entities (schema/document/entities.ts) through a small set
 * of named transforms. The engine (engine.ts) runs a preset; docs/adapters.md shows how to write one.
 */

/**
 * Where a value comes from in a payload or CSV row: a dot path (`project.client.name`,
 * `payments.0.amount`). For CSV rows the whole column name is tried first, so `Event Date` and
 * `Client.Name` both work.
 */
export const Path = z.string().min(1).max(200);

/** Where a preset's names come from: the system's own documentation, or our reading of it. */
export const Provenance = z.object({
  /**
   * `public`: the system's own (Zapier/Make listing, help centre) names it so; `guess`: plausible,
   * not confirmed from a public page; say why in `note`.
   */
  source: z.enum(['public', 'guess']),
  /** The page that names it, when public. */
  url: z.url().optional(),
  note: z.string().max(1000).optional(),
});

const Zone = z.object({
  /** IANA zone the wall times are in, as a constant. */
  zone: TimeZone.optional(),
  /** A payload path carrying the IANA zone; falls back to `zone`, then the connection's `timeZone`. */
  zoneFrom: Path.optional(),
});

/** A value read from a path, as text (trimmed; empty reads as absent). */
const TextValue = z.object({ as: z.literal('text'), from: Path, maxLength: z.number().int().min(1).max(20_000).optional() });
/** A constant. */
const ConstValue = z.object({ as: z.literal('const'), value: z.union([z.string(), z.number(), z.boolean()]) });
/** An integer (guest counts): `"120"`, `120`, `"120 guests"`. */
const IntegerValue = z.object({ as: z.literal('integer'), from: Path });
/**
 * A calendar date → ISO `YYYY-MM-DD`. `format` says how an all-numeric date is ordered
 * (`06/13/2026` is `mdy`, `13/06/2026` is `dmy`; one that does not fit is refused); year-first
 * dates (`2026-06-13`, `2026/06/13`, `20260613`), date-times and month names (`June 13, 2026`,
 * `13-Jun-2026`, `Sat, 13 Jun 2026`) read in any format. A date-time with a zone (`Z`, `UTC`,
 * `+02:00`, `+02`) is read as its wall date in the zone (transforms.ts `parseCalendarDate`).
 */
const DateValue = Zone.extend({ as: z.literal('date'), from: Path, format: z.enum(['mdy', 'dmy']).default('mdy') });
/**
 * A date-time → ISO 8601 with the zone's offset. `from` holds a date-time (with or without a zone:
 * `Z`, `UTC`, `+02:00`, `+0200`, `+02`) or a date, with `time` (`14:00`, `2:00 PM`) from another
 * path. A wall time in a DST gap reads with the offset before the gap, a repeated one as its first
 * occurrence (RFC 5545 §3.3.5). `plusMinutes` (constant or path) shifts the result, for an end
 * given as a duration. A timeline `end` whose `time` is its own but whose `from` is the `start`'s
 * date, falling before the start, is the next day's (engine.ts `endOnNextDay`).
 */
const DateTimeValue = Zone.extend({
  as: z.literal('datetime'), from: Path, time: Path.optional(), format: z.enum(['mdy', 'dmy']).default('mdy'),
  plusMinutes: z.union([z.number().int().min(-MAX_PLUS_MINUTES).max(MAX_PLUS_MINUTES), Path]).optional(),
  /** The time used when the value is a date alone and no `time` is given (`HH:MM`). */
  defaultTime: z.string().regex(/^\d{2}:\d{2}$/).optional(),
});
/**
 * A money amount → integer minor units of the currency (`$1,250.50` USD → 125050; JPY has no minor
 * unit, BHD three digits: schema/document/money.ts `currencyExponent`, the ISO 4217 table). Read
 * by schema/document/written-amount.ts `minorUnitsFromWritten`: `12,50 €` and `1.250,50` read
 * whatever `decimal` says; `decimal` (the writer's decimal mark) settles a lone mark before three
 * digits (`$1,250` with `.`; `$1.005` is refused as ambiguous). More digits than the currency's,
 * another currency's symbol or code, or an ambiguous amount are refused, never rounded or guessed.
 * `cents: true`: the value is already in minor units.
 */
const MoneyValue = z.object({
  as: z.literal('money'), from: Path,
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  currencyFrom: Path.optional(),
  decimal: z.enum(['.', ',']).default('.'),
  cents: z.boolean().default(false),
});
/** Couple names joined (`Jane` + `John` → `Jane & John`); empty parts are skipped. */
const JoinValue = z.object({ as: z.literal('join'), from: z.array(Path).min(1).max(6), separator: z.string().max(10).default(' & ') });
/**
 * One name out of a couple's names (`Jane Smith & John Doe`, split on ` & `, ` and `, ` + `, `;`)
 * and optionally one part of it: `first` (given name: all but the last word), `last` (the last word).
 */
const SplitValue = z.object({ as: z.literal('split'), from: Path, index: z.number().int().min(0).max(5), part: z.enum(['full', 'first', 'last']).default('full') });
/** Their status → ours, matched case-insensitively and ignoring surrounding spaces. */
const StatusValue = z.object({
  as: z.literal('status'), from: Path,
  table: z.record(z.string().min(1), z.string().min(1)),
  /** Used for a status the table does not name; without it such a status leaves the field alone. */
  default: z.string().optional(),
});

export const Value = z.discriminatedUnion('as', [TextValue, ConstValue, IntegerValue, DateValue, DateTimeValue, MoneyValue, JoinValue, SplitValue, StatusValue]);
export type Value = z.infer<typeof Value>;
/** A bare string is a text path. */
export const ValueSpec = z.union([Path, Value]);
export type ValueSpec = z.infer<typeof ValueSpec>;

/** Our entities' field names a preset may set, per entity (the synced fields of schema/document/entities.ts). */
export const MAPPABLE_FIELDS = {
  meta: ['title', 'date', 'timezone', 'venue', 'status'],
  guests: ['count', 'rsvpYes', 'rsvpNo', 'rsvpPending'],
  timeline: ['title', 'start', 'end', 'location', 'category', 'notes'],
  payments: ['description', 'milestone', 'amount', 'amountPaid', 'amountRefunded', 'currency', 'status', 'due', 'paidAt', 'invoiceRef'],
  vendors: ['name', 'category', 'email', 'phone', 'status'],
} as const;
export type MappedEntity = keyof typeof MAPPABLE_FIELDS;

const record = <E extends MappedEntity>(entity: E) => z.object({
  entity: z.literal(entity),
  op: z.enum(['upsert', 'delete']).default('upsert'),
  /**
   * The record's id in the system (a payment id, a session id): the change's `externalId`, prefixed
   * with the reference. Singletons (meta, guests) have one per reference; others default to the
   * entity name (one record of that kind per reference).
   */
  id: ValueSpec.optional(),
  fields: z.partialRecord(z.enum(MAPPABLE_FIELDS[entity]), ValueSpec),
}).strict();

export const RecordMap = z.discriminatedUnion('entity', [record('meta'), record('guests'), record('timeline'), record('payments'), record('vendors')]);
export type RecordMap = z.infer<typeof RecordMap>;

/** How one payload (a trigger's, or a CSV row) becomes changes. */
export const FieldMap = z.object({
  /** The system's id of the project/job/event that stands for a wedding there (`InboundChange.reference`). */
  reference: ValueSpec,
  /** Routing hints (`InboundChange.hints`): used to match a wedding and to fill one created from the record. */
  hints: z.object({ date: ValueSpec, text: ValueSpec, venue: ValueSpec, timeZone: ValueSpec }).partial().default({}),
  records: z.array(RecordMap).min(1).max(20),
}).strict();
export type FieldMap = z.infer<typeof FieldMap>;

const Slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, "_" and "-"');
const Via = z.array(z.enum(['zapier', 'make'])).min(1);
const Example = z.record(z.string(), z.unknown());

export const Trigger = Provenance.extend({
  /** Our id for the trigger, used in the delivery URL (`?trigger=<id>`). */
  id: Slug,
  /** The system's own name for it (Zapier/Make), e.g. HoneyBook's "New Project Booked". */
  name: z.string().min(1).max(120),
  via: Via,
  /** What the system sends (Zapier's sample data): run through `map` by the tests, so it must map cleanly. */
  example: Example,
  map: FieldMap,
}).strict();
export type Trigger = z.infer<typeof Trigger>;

/** An action the system offers (what a Zap can do there with data from us). Documented, not run by the engine. */
export const Action = Provenance.extend({
  id: Slug,
  name: z.string().min(1).max(120),
  via: Via,
  /** The input fields a Zap fills, with example values taken from our outbound events. */
  example: Example,
}).strict();
export type Action = z.infer<typeof Action>;

export const Connect = z.discriminatedUnion('kind', [
  Provenance.extend({ kind: z.literal('zapier') }).strict(),
  Provenance.extend({ kind: z.literal('make') }).strict(),
  Provenance.extend({ kind: z.literal('csv'), where: z.string().max(300).optional() }).strict(),
  Provenance.extend({
    kind: z.literal('calendar_feed'),
    /**
     * Which of our calendar adapters reads it. None reads a bare iCalendar URL (our ICS feeds are
     * outgoing, `caldav` speaks CalDAV): a system's feed arrives through the calendar it syncs to
     * or that subscribes to it, e.g. a Google calendar (`google-calendar`).
     */
    adapter: z.enum(['google-calendar', 'outlook', 'caldav']),
    where: z.string().max(300).optional(),
  }).strict(),
]);

export const CsvExport = Provenance.extend({
  /** The export's column names as the system writes them. */
  columns: z.array(z.string().min(1).max(120)).min(1).max(200),
  /** Columns without which a row cannot be mapped (a header lacking one is refused). */
  required: z.array(z.string().min(1)).default([]),
  /** Example rows (column → cell text): run through `map` by the tests. */
  example: z.array(z.record(z.string(), z.string())).min(1),
  map: FieldMap,
}).strict();
export type CsvExport = z.infer<typeof CsvExport>;

export const Preset = z.object({
  $schema: z.string().optional(),
  /** Our system id (`preset: "honeybook"` in a connection's configuration). */
  system: Slug,
  /** The system's name as it writes it. */
  name: z.string().min(1).max(120),
  category: z.enum(SYSTEM_CATEGORIES),
  website: z.url().optional(),
  /** Every way the system connects, honestly: no public API means none is listed. */
  connects: z.array(Connect).min(1),
  defaults: z.object({ timeZone: TimeZone.optional(), currency: z.string().regex(/^[A-Z]{3}$/).optional() }).strict().default({}),
  triggers: z.array(Trigger).default([]),
  actions: z.array(Action).default([]),
  csv: CsvExport.optional(),
  note: z.string().max(2000).optional(),
}).strict().superRefine((p, ctx) => {
  const ids = new Set<string>();
  for (const [i, t] of p.triggers.entries()) {
    if (ids.has(t.id)) ctx.addIssue({ code: 'custom', path: ['triggers', i, 'id'], message: `duplicate trigger id ${t.id}` });
    ids.add(t.id);
  }
  if (p.csv) {
    for (const [i, c] of p.csv.required.entries()) {
      if (!p.csv.columns.includes(c)) ctx.addIssue({ code: 'custom', path: ['csv', 'required', i], message: `${c} is not one of the columns` });
    }
  }
});
export type Preset = z.infer<typeof Preset>;
