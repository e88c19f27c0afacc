import { z } from 'zod';

/** Stable entity ids: what adapters use to address an event, vendor or payment. */
export const EntityId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'ids use letters, digits, "_", ".", ":" and "-" (1 to 128)');

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

export const CONFLICT_STRATEGIES = ['crdt', 'prefer-planner', 'prefer-source', 'manual'] as const;
export const CONFLICT_STATUSES = ['resolved', 'pending'] as const;
export const ENTITY_KINDS = ['meta', 'timeline', 'vendors', 'guests', 'payments'] as const;

const Label = (max: number) => z.string().trim().min(1).max(max);
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
}).strict();

const endNotBeforeStart = (e: { start?: string | undefined; end?: string | undefined }) =>
  e.start === undefined || e.end === undefined || Date.parse(e.end) >= Date.parse(e.start);
const END_BEFORE_START = { message: 'end must not be before start', path: ['end'] };

export const TimelineEvent = TimelineEventFields.refine(endNotBeforeStart, END_BEFORE_START);
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
export const MinorUnits = z.number().int().min(0).max(1_000_000_000_00);
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
  links: Links,
}).strict();
export const Payment = PaymentFields;
export type Payment = z.infer<typeof Payment>;
export const PaymentInput = PaymentFields.partial().required({ id: true, vendorId: true, amount: true, currency: true });
export type PaymentInput = z.infer<typeof PaymentInput>;

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
}).strict();
export type Message = z.infer<typeof Message>;
export const MessageInput = Message.partial({ at: true, channels: true, priority: true, requiresAck: true, acks: true, recipientIds: true });
export type MessageInput = z.infer<typeof MessageInput>;

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
}
