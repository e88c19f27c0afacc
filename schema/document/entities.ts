import { z } from 'zod';
import { RESERVED_KEY_REFUSED, RESERVED_KEYS } from '../own-keys.ts';
import { VisibleText } from './visible-text.ts';

/**
 * Stable entity ids: what adapters use to address an event, vendor or payment. Not `__proto__` or
 * `constructor`: ids key objects the document stores whole, which cannot hold those keys as data
 * (schema/own-keys.ts RESERVED_KEYS).
 */
export const EntityId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'ids use letters, digits, "_", ".", ":" and "-" (1 to 128)')
  .refine((id) => !RESERVED_KEYS.includes(id), { message: RESERVED_KEY_REFUSED });

export const IsoDateTime = z.iso.datetime({ offset: true, message: 'an ISO 8601 date-time with an offset, e.g. 2026-06-13T14:00:00+01:00' });
export const IsoDate = z.iso.date({ message: 'an ISO date, e.g. 2026-06-13' });

export const TimeZone = z.string().refine(isTimeZone, { message: 'an IANA time zone, e.g. Europe/London' });

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const WEDDING_STATUSES = ['inquiry', 'planning', 'booked', 'final_details', 'completed', 'cancelled'] as const;

export const EVENT_CATEGORIES = [
  'preparation', 'ceremony', 'photos', 'cocktail_hour', 'reception', 'meal', 'speeches', 'first_dance',
  'entertainment', 'vendor_setup', 'vendor_arrival', 'transport', 'teardown', 'meeting', 'deadline', 'other',
] as const;

export const VENDOR_CATEGORIES = [
  'photographer', 'videographer', 'venue', 'caterer', 'florist', 'dj', 'band', 'officiant', 'planner', 'baker',
  'rentals', 'hair_makeup', 'transport', 'stationery', 'lighting', 'other',
] as const;

export const VENDOR_STATUSES = ['inquiry', 'booked', 'confirmed', 'cancelled'] as const;

/** The brief's communication channels. */
export const CHANNELS = ['wedsync_chat', 'email', 'sms', 'slack', 'teams', 'whatsapp', 'vendor_crm'] as const;

export const PAYMENT_STATUSES = [
  'planned', 'pending', 'processing', 'requires_action', 'partially_paid', 'paid', 'partially_refunded', 'refunded',
  'failed', 'cancelled',
] as const;
export const PAYMENT_MILESTONES = ['deposit', 'balance', 'final', 'other'] as const;

export const MESSAGE_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
/**
 * Where one send of a message to one recipient on one channel stands. `queued`: planned (an outbox
 * row exists); `retrying`: the provider failed and the send will be tried again; `sent`: the provider
 * accepted it; `delivered`/`read`: the provider confirmed it (status callbacks); `failed`: it will not
 * arrive (permanent error, retries used up, or the provider reported it undeliverable); `skipped`: no
 * connected integration can reach the recipient on that channel.
 */
export const DELIVERY_STATUSES = ['queued', 'retrying', 'sent', 'delivered', 'read', 'failed', 'skipped'] as const;
export const CONTACT_ROLES = ['couple', 'planner', 'coordinator', 'family', 'other'] as const;
export const TASK_KINDS = ['vendor_replacement', 'payment_follow_up', 'other'] as const;
export const TASK_STATUSES = ['open', 'in_progress', 'done', 'cancelled'] as const;

export const CONFLICT_STRATEGIES = ['crdt', 'prefer-planner', 'prefer-source', 'manual'] as const;
export const CONFLICT_STATUSES = ['resolved', 'pending'] as const;
export const ENTITY_KINDS = ['meta', 'timeline', 'vendors', 'guests', 'payments'] as const;

const Label = (max: number) => VisibleText(max);
const Text = (max: number) => z.string().max(max);

export const WeddingMeta = z.object({
  title: Text(200),
  date: IsoDate,
  timezone: TimeZone,
  venue: Text(300),
  status: z.enum(WEDDING_STATUSES),
  weddingDayMode: z.boolean(),
}).strict();
export type WeddingMeta = z.infer<typeof WeddingMeta>;
export const WeddingMetaPatch = WeddingMeta.partial();
export type WeddingMetaPatch = z.infer<typeof WeddingMetaPatch>;

/** `links`: external system → that system's id for the entity. */
export const Links = z.record(z.string().regex(/^[a-z0-9_-]{1,64}$/), z.string().min(1).max(512));

const TimelineEventFields = z.object({
  id: EntityId,
  title: Label(200),
  start: IsoDateTime,
  end: IsoDateTime,
  location: Text(300),
  category: z.enum(EVENT_CATEGORIES),
  vendorIds: z.array(EntityId).max(200),
  notes: Text(20_000),
  order: z.number().finite(),
  links: Links,
  /**
   * Whether the event takes place outdoors: a severe-weather alert for its day reaches its vendors
   * (docs/communications.md#weather-alerts). Absent means not marked (treated as indoor); set by planners.
   */
  outdoor: z.boolean().optional(),
}).strict();

const endNotBeforeStart = (e: { start?: string | undefined; end?: string | undefined }) =>
  e.start === undefined || e.end === undefined || Date.parse(e.end) >= Date.parse(e.start);
const END_BEFORE_START = { message: 'end must not be before start', path: ['end'] };

export const TimelineEvent = TimelineEventFields.refine(endNotBeforeStart, END_BEFORE_START);

/**
 * One assigned vendor's own part of a timeline event (`timeline.<eventId>.crew.<vendorId>`): when it
 * arrives (ISO 8601 with offset, `""` when not given), its own notes for the event, and whether it
 * confirmed. Written by that vendor (schema/document/permissions.ts), read with `crewOf`.
 */
export const CrewEntry = z.object({
  arrival: z.union([IsoDateTime, z.literal('')]),
  notes: Text(2000),
  confirmed: z.boolean(),
}).partial().strict();
export type CrewEntry = z.infer<typeof CrewEntry>;
/** A timeline event as stored: the event plus its `crew` map (kept out of TimelineEvent, read apart). */
export const StoredTimelineEvent = TimelineEventFields.extend({ crew: z.record(EntityId, CrewEntry).optional() }).refine(endNotBeforeStart, END_BEFORE_START);
export const StoredTimelineEventPatch = TimelineEventFields.extend({ crew: z.record(EntityId, CrewEntry).optional() }).partial().required({ id: true }).refine(endNotBeforeStart, END_BEFORE_START);
export type TimelineEvent = z.infer<typeof TimelineEvent>;
/** What a writer supplies: id, title, start and end are required, the rest defaults. */
export const TimelineEventInput = TimelineEventFields.partial()
  .required({ id: true, title: true, start: true, end: true })
  .refine(endNotBeforeStart, END_BEFORE_START);
export type TimelineEventInput = z.infer<typeof TimelineEventInput>;
export const TimelineEventPatch = TimelineEventFields.partial().required({ id: true }).refine(endNotBeforeStart, END_BEFORE_START);
export type TimelineEventPatch = z.infer<typeof TimelineEventPatch>;

const VendorFields = z.object({
  id: EntityId,
  name: Label(200),
  category: z.enum(VENDOR_CATEGORIES),
  email: z.union([z.email(), z.literal('')]),
  phone: z.union([z.string().regex(/^\+?[0-9 ().-]{5,32}$/, 'a phone number, e.g. +44 20 7946 0000'), z.literal('')]),
  preferredChannels: z.array(z.enum(CHANNELS)).max(CHANNELS.length),
  status: z.enum(VENDOR_STATUSES),
  links: Links,
  /** The vendor's own notes (the vendor may write them: schema/document/permissions.ts). Absent until written. */
  notes: Text(4000).optional(),
}).strict();
export const Vendor = VendorFields;
export type Vendor = z.infer<typeof Vendor>;
export const VendorInput = VendorFields.partial().required({ id: true, name: true, category: true });
export type VendorInput = z.infer<typeof VendorInput>;

const Count = z.number().int().min(0).max(100_000);
export const Guests = z.object({
  count: Count,
  rsvpYes: Count,
  rsvpNo: Count,
  rsvpPending: Count,
  /** Diet → number of guests, e.g. `{ vegetarian: 12 }`. Counts only: no names. */
  dietary: z.record(z.string().regex(/^[a-z0-9_-]{1,40}$/), Count),
}).strict();
export type Guests = z.infer<typeof Guests>;
export const GuestsPatch = Guests.partial();
export type GuestsPatch = z.infer<typeof GuestsPatch>;

/** Amounts are integers in the currency's minor unit (pence, cents): never floats. */
/** The largest amount one payment holds, in minor units (1,000,000,000.00 of a two-decimal currency). */
export const MAX_MINOR_UNITS = 1_000_000_000_00;
export const MinorUnits = z.number().int().min(0).max(MAX_MINOR_UNITS);
/**
 * A sum of amounts (budget totals), integer minor units: each amount is at most MinorUnits' cap, but
 * their sum is not, so sums are bounded only by exact integer arithmetic (Number.MAX_SAFE_INTEGER).
 */
export const MinorUnitsSum = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 currency code, e.g. GBP');

const PaymentFields = z.object({
  id: EntityId,
  vendorId: EntityId,
  description: Text(300),
  milestone: z.enum(PAYMENT_MILESTONES),
  amount: MinorUnits,
  amountPaid: MinorUnits,
  amountRefunded: MinorUnits,
  currency: Currency,
  status: z.enum(PAYMENT_STATUSES),
  due: z.union([IsoDate, z.literal('')]),
  /**
   * The connected payment processor that collects this payment (`stripe`, `square`, `paypal`): its
   * adapter creates the payment request. `""` for payments tracked by hand. @default ""
   */
  processor: z.string().regex(/^[a-z0-9-]{0,40}$/).default(''),
  /** Where the couple pays (hosted invoice, payment link, approval link), when a processor made one. @default "" */
  requestUrl: z.union([z.url({ protocol: /^https?$/ }), z.literal('')]).default(''),
  /** When the payment was completed (ISO date-time), `""` until then. @default "" */
  paidAt: z.union([IsoDateTime, z.literal('')]).default(''),
  links: Links,
  /** The vendor's own invoice number for this payment (the vendor may write it). Absent until written. */
  invoiceRef: Text(100).optional(),
}).strict();
export const Payment = PaymentFields;
export type Payment = z.infer<typeof Payment>;
export const PaymentInput = PaymentFields.partial().required({ id: true, vendorId: true, amount: true, currency: true });
export type PaymentInput = z.infer<typeof PaymentInput>;

/** One send of a message to one recipient on one channel (key `<recipientId>/<channel>` in `deliveries`). */
export const Delivery = z.object({
  recipientId: z.string().min(1).max(128),
  channel: z.enum(CHANNELS),
  status: z.enum(DELIVERY_STATUSES),
  /** When the send was planned: the start of its wave, from which escalation waits. */
  queuedAt: IsoDateTime,
  /** When the status was last set (ISO date-time). */
  at: IsoDateTime,
  /** 0 for the first wave; each escalation adds one. */
  level: z.number().int().min(0).max(50),
  /** The integration that sends it (null for in-app and skipped sends). */
  integrationId: z.string().max(64).nullable(),
  /** The provider's id for the sent message (Twilio SID, SMTP Message-ID, Slack ts, …). */
  providerId: z.string().max(256).nullable(),
  attempts: z.number().int().min(0),
  error: z.string().max(500).nullable(),
}).strict();
export type Delivery = z.infer<typeof Delivery>;

export const Message = z.object({
  id: EntityId,
  at: IsoDateTime,
  senderId: z.string().min(1).max(128),
  recipientIds: z.array(z.string().min(1).max(128)).max(500),
  channels: z.array(z.enum(CHANNELS)).max(CHANNELS.length),
  priority: z.enum(MESSAGE_PRIORITIES),
  type: z.string().regex(/^[a-z0-9_.-]{1,64}$/),
  body: Text(10_000),
  requiresAck: z.boolean(),
  /** Recipient id → when they acknowledged (ISO date-time). */
  acks: z.record(z.string(), IsoDateTime),
  /** A short subject line (e-mail subject, card title). @default "" */
  subject: Text(200).default(''),
  /** `<recipientId>/<channel>` → that send's state: every peer sees what reached whom. @default {} */
  deliveries: z.record(z.string(), Delivery).default({}),
  /** Seconds without an acknowledgement before a recipient is tried on their next channel; null: never. @default null */
  escalateAfterSeconds: z.number().int().min(1).max(7 * 86_400).nullable().default(null),
  /** Small references to what the message is about (`kind`, `severity`, `paymentId`, `taskId`, …). @default {} */
  context: z.record(z.string().regex(/^[A-Za-z0-9_]{1,40}$/), z.string().max(300)).default({}),
  /**
   * Recipient id → the name they had when the message was written (`Lens and Light`, `Pia Planner`),
   * so the record of who was alerted keeps their names after a vendor is merged or removed or a
   * contact deleted. Messages written before the field existed read `{}`. @default {}
   */
  recipientNames: z.record(z.string(), z.string().max(200)).default({}),
}).strict();
export type Message = z.infer<typeof Message>;
export const MessageInput = Message.partial({
  at: true, channels: true, priority: true, requiresAck: true, acks: true, recipientIds: true, subject: true, deliveries: true,
  escalateAfterSeconds: true, context: true, recipientNames: true,
});
export type MessageInput = z.infer<typeof MessageInput>;

/** Someone who is not a vendor but hears about the wedding: the couple, the planner, a coordinator. */
const ContactFields = z.object({
  id: EntityId,
  name: Label(200),
  role: z.enum(CONTACT_ROLES),
  email: z.union([z.email(), z.literal('')]),
  phone: z.union([z.string().regex(/^\+?[0-9 ().-]{5,32}$/, 'a phone number, e.g. +44 20 7946 0000'), z.literal('')]),
  preferredChannels: z.array(z.enum(CHANNELS)).max(CHANNELS.length),
  /**
   * The vendor this person works for (a crew member: the photographer's second shooter), or `""`
   * for none. Messages to that vendor reach its crew too. A contact stored before the field existed
   * reads as `""` (@default). Writes through WeddingDoc refuse a vendor the wedding does not have.
   */
  vendorId: z.union([EntityId, z.literal('')]).default(''),
}).strict();
export const Contact = ContactFields;
export type Contact = z.infer<typeof Contact>;
export const ContactInput = ContactFields.partial().required({ id: true, name: true, role: true });
export type ContactInput = z.infer<typeof ContactInput>;

/** A piece of work for a person, e.g. finding a replacement for a vendor who cancelled. */
const TaskFields = z.object({
  id: EntityId,
  kind: z.enum(TASK_KINDS),
  title: Label(200),
  status: z.enum(TASK_STATUSES),
  createdAt: IsoDateTime,
  /** ISO date or `""`. */
  due: z.union([IsoDate, z.literal('')]),
  /** The vendor the task is about (the one to replace), or `""`. */
  vendorId: z.union([EntityId, z.literal('')]),
  /** For replacements: the category to find (`photographer`, …), or `""`. */
  category: z.union([z.enum(VENDOR_CATEGORIES), z.literal('')]),
  /** Timeline events that need the replacement. */
  eventIds: z.array(EntityId).max(200),
  /** The message that announced the task, or `""`. */
  messageId: z.union([EntityId, z.literal('')]),
  notes: Text(5000),
}).strict();
export const Task = TaskFields;
export type Task = z.infer<typeof Task>;
export const TaskInput = TaskFields.partial().required({ id: true, kind: true, title: true });
export type TaskInput = z.infer<typeof TaskInput>;

/** Budget totals of one currency (integer minor units). */
export const BudgetTotals = z.object({
  /** Sum of `amount` over payments that are not cancelled. */
  planned: MinorUnitsSum,
  /** Sum of `amountPaid`. */
  paid: MinorUnitsSum,
  /** Sum of `amountRefunded`. */
  refunded: MinorUnitsSum,
  /**
   * What is still to pay over payments not cancelled or refunded: per vendor, `amount - amountPaid`
   * summed and not below 0, an overpayment counting against the vendor's other milestones
   * (outstandingByPayment in budget.ts).
   */
  outstanding: MinorUnitsSum,
  /** The part of `outstanding` whose due date has passed. */
  overdue: MinorUnitsSum,
  payments: z.number().int().min(0),
}).strict();
export type BudgetTotals = z.infer<typeof BudgetTotals>;

/** Derived from `payments` by the server (never edited by hand); per currency, never mixed. */
export const BudgetSummary = z.object({
  /** Currency → totals over the whole wedding. */
  totals: z.record(Currency, BudgetTotals),
  /** Vendor id → currency → totals. */
  vendors: z.record(z.string(), z.record(Currency, BudgetTotals)),
  /** The next unpaid milestone, if any. */
  nextDue: z.object({ paymentId: z.string(), vendorId: z.string(), due: IsoDate, outstanding: MinorUnits, currency: Currency }).nullable(),
  /** The day `overdue` was computed for (wedding time zone). */
  asOf: IsoDate,
  updatedAt: IsoDateTime,
}).strict();
export type BudgetSummary = z.infer<typeof BudgetSummary>;

const JsonValue: z.ZodType<unknown> = z.unknown();
export const Conflict = z.object({
  id: EntityId,
  at: IsoDateTime,
  entity: z.enum(ENTITY_KINDS),
  entityId: z.string().max(128),
  field: z.string().max(64),
  localValue: JsonValue,
  remoteValue: JsonValue,
  source: z.string().max(64),
  /** The integration the external value came from, when there is one. */
  integrationId: z.string().max(64).nullable().optional(),
  strategy: z.enum(CONFLICT_STRATEGIES),
  status: z.enum(CONFLICT_STATUSES),
  /** `local` (the planner's value stands), `remote` (the external system's), or `null` while pending. */
  winner: z.enum(['local', 'remote']).nullable(),
  resolvedBy: z.string().max(128).nullable(),
  resolvedAt: IsoDateTime.nullable(),
}).strict();
export type Conflict = z.infer<typeof Conflict>;

/** The whole wedding as plain JSON: what export and snapshots return. */
export interface WeddingJSON {
  meta: Partial<WeddingMeta>;
  timeline: Record<string, TimelineEvent>;
  vendors: Record<string, Vendor>;
  guests: Partial<Guests>;
  payments: Record<string, Payment>;
  messages: Message[];
  conflicts: Conflict[];
  contacts: Record<string, Contact>;
  tasks: Record<string, Task>;
  budget: BudgetSummary | null;
}
