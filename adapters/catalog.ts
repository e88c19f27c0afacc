import type { SystemCategory } from '../schema/api/integrations.ts';
import { allPresets, type Preset } from './presets/index.ts';
import { adapterForm, feedForm, type ConnectForm } from './catalog-forms.ts';

/**
 * Every system the brief names (/work/shared/brief: its VendorSystemType comments, CRMType,
 * CommunicationChannel and CalendarType), with how each connects here, what syncs each way, what
 * cannot and why, and the test that shows it. Served by `GET /api/integrations/catalog` and listed
 * in docs/integrations.md ("Every system the brief names"); tests/connections/catalog.test.ts keeps
 * the three in step with the adapters and presets in the repository.
 */

/** One way a system connects. */
export type Connection =
  /** Our adapter speaks the system's own API (adapters/<system>/). */
  | { kind: 'api'; adapter: string }
  /** No public API: a Zapier/Make flow posts the system's own payloads to the `preset` adapter (adapters/presets/<id>.json). */
  | { kind: 'preset'; preset: string; via: ('zapier' | 'make')[] }
  /** The system's CSV export, mapped by its preset's `csv` section. */
  | { kind: 'csv'; preset: string }
  /** An iCalendar feed: the system's, read through the calendar that subscribes to it (`adapter`), or ours, read by the system. */
  | { kind: 'calendar_feed'; adapter?: 'google-calendar' | 'outlook' | 'caldav'; direction: 'inbound' | 'outbound' }
  /** CalDAV (RFC 4791) through the `caldav` adapter. */
  | { kind: 'caldav'; adapter: 'caldav' }
  | { kind: 'not_supported'; why: string };

export interface CatalogEntry {
  id: string;
  name: string;
  /** Other names the brief or the market uses (Táve for VSCO Workspace). */
  aliases: string[];
  category: SystemCategory;
  /** Named by the brief (false: in the repository for a customer, not the brief). */
  brief: boolean;
  /** Every way it connects, the best first. */
  connects: Connection[];
  /** What comes into the wedding from the system: `entity: fields`. */
  inbound: string[];
  /** What goes from the wedding to the system. */
  outbound: string[];
  /** What it cannot do, and why. */
  cannot: string[];
  /** Test files (from the repository root) that show it working. */
  tests: string[];
  /** What to fill in to connect it (null: nothing to connect here). */
  form: ConnectForm | null;
}

type Hand = Omit<CatalogEntry, 'form' | 'aliases' | 'brief'> & { aliases?: string[]; brief?: boolean };

const PRESET_TESTS = ['tests/adapters/presets.test.ts', 'tests/connections/preset-story.test.ts'];
const CALENDAR_FIELDS = 'timeline: title, start, end, location, notes (events of the wedding\'s timeline, recurrence included)';

/** Systems our own adapters connect through their APIs, and the channels and feeds. */
const HAND: Hand[] = [
  {
    id: 'vsco-workspace', name: 'VSCO Workspace', aliases: ['Táve', 'Tave'], category: 'photography_crm', connects: [{ kind: 'api', adapter: 'vsco-workspace' }],
    inbound: ['meta: title, date, venue, status (from the job)', 'guests: count', 'timeline: title, start, end, location (sessions)', 'payments: amount, amountPaid, currency, status, paidAt'],
    outbound: ['timeline: start, end of sessions (moved sessions are written back)'],
    cannot: ['Deletions: the API has no deletion hooks or tombstones, so a job or session deleted in VSCO stays in the wedding', 'Writes other than session times: PUT /event/{id} is the only update the API documents', 'Gallery deliveries are audited as notices, not synced: the wedding has no entity for them'],
    tests: ['tests/adapters/vsco-workspace.test.ts', 'tests/connections/vsco-workspace-story.test.ts'],
  },
  {
    id: 'event-temple', name: 'Event Temple', category: 'venue_management', connects: [{ kind: 'api', adapter: 'event-temple' }],
    inbound: ['meta: title, date, venue, status (bookings)', 'guests: count', 'timeline: title, start, end, location (the booking\'s events)'],
    outbound: ['timeline: start, end (moved event times)'],
    cannot: ['Webhooks: none documented, so changes arrive at the pull interval', 'Deletions between full reads: the API has no deleted-since filter', 'Payments, invoices, room blocks and line items are not mapped yet'],
    tests: ['tests/adapters/event-temple.test.ts', 'tests/connections/event-temple-story.test.ts'],
  },
  {
    id: 'acuity', name: 'Acuity Scheduling', aliases: ['Acuity'], category: 'booking_system', connects: [{ kind: 'api', adapter: 'acuity' }],
    inbound: ['timeline: title, start, end, location (appointments of the wedding its intake form names)', 'busy times for availability'],
    outbound: ['timeline: start, end (a moved event reschedules its appointment)'],
    cannot: ['An appointment names no wedding by itself: the couple\'s booking reference comes from an intake-form field', 'Client contact and payment details (email, phone, price, paid) are not stored: they stay in Acuity'],
    tests: ['tests/adapters/acuity.test.ts', 'tests/connections/acuity-story.test.ts'],
  },
  {
    id: 'calendly', name: 'Calendly', category: 'booking_system', connects: [{ kind: 'api', adapter: 'calendly' }],
    inbound: ['timeline: title, start, end, location (booked meetings; reschedules as moves, cancellations as deletes)', 'busy times for availability'],
    outbound: [],
    cannot: ['Nothing is written back: the Calendly API cannot create or move a booking (scheduling happens on its booking pages)'],
    tests: ['tests/adapters/calendly.test.ts', 'tests/connections/calendly-story.test.ts'],
  },
  {
    id: 'stripe', name: 'Stripe', category: 'payment_processor', connects: [{ kind: 'api', adapter: 'stripe' }],
    inbound: ['payments: amount, amountPaid, amountRefunded, currency, status, paidAt, invoiceRef (payment intents, invoices, Checkout, refunds)'],
    outbound: ['payments: an invoice or payment intent for each payment milestone'],
    cannot: ['Payouts to vendors are not made: moving money between accounts needs Stripe Connect onboarding, outside this hub'],
    tests: ['tests/payments/stripe-flow.test.ts', 'tests/payments/stripe-refunds.test.ts'],
  },
  {
    id: 'square', name: 'Square', category: 'payment_processor', connects: [{ kind: 'api', adapter: 'square' }],
    inbound: ['payments: amount, amountPaid, amountRefunded, currency, status, paidAt'],
    outbound: ['payments: a payment link for each payment milestone'],
    cannot: ['Payouts to vendors are not made: Square pays out to the seller\'s own bank account'],
    tests: ['tests/payments/square-paypal.test.ts', 'tests/payments/square-paypal-refunds.test.ts'],
  },
  {
    id: 'paypal', name: 'PayPal', category: 'payment_processor', connects: [{ kind: 'api', adapter: 'paypal' }],
    inbound: ['payments: amountPaid, amountRefunded, currency, status, paidAt (captures and refunds)'],
    outbound: ['payments: an order with an approval link for each payment milestone'],
    cannot: ['Payouts to vendors are not made: PayPal Payouts needs an approved business account'],
    tests: ['tests/payments/square-paypal.test.ts', 'tests/payments/square-paypal-refunds.test.ts'],
  },
  {
    id: 'slack', name: 'Slack', category: 'communication', connects: [{ kind: 'api', adapter: 'slack' }],
    inbound: [],
    outbound: ['messages and emergencies (Block Kit, with a button to the acknowledgement link) to the mapped channels or people'],
    cannot: ['Conversations are not mirrored into WedSync, and nothing is read from Slack: acknowledgements come through our link, not Slack interactivity'],
    tests: ['tests/adapters/messaging-adapters.test.ts'],
  },
  {
    id: 'teams', name: 'Microsoft Teams', category: 'communication', connects: [{ kind: 'api', adapter: 'teams' }],
    inbound: [],
    outbound: ['messages and emergencies (Adaptive Cards) through each recipient\'s Workflows webhook'],
    cannot: ['No acknowledgement comes back: Workflows webhooks are one-way (the card links to the acknowledgement page instead)'],
    tests: ['tests/adapters/messaging-adapters.test.ts'],
  },
  {
    id: 'email', name: 'E-mail (SMTP)', category: 'communication', connects: [{ kind: 'api', adapter: 'email' }],
    inbound: [],
    outbound: ['messages and emergencies through your SMTP server, with an acknowledgement link'],
    cannot: ['Replies are not read: that needs a mailbox (IMAP), which is not connected'],
    tests: ['tests/adapters/messaging-adapters.test.ts'],
  },
  {
    id: 'sms', name: 'SMS (Twilio)', aliases: ['Twilio'], category: 'communication', connects: [{ kind: 'api', adapter: 'twilio' }],
    inbound: ['delivery status (signed status callbacks: delivered, undelivered, failed)'],
    outbound: ['messages and emergencies by SMS (configuration smsFrom)'],
    cannot: ['Replies are acknowledged with empty TwiML and not applied: acknowledgements come through the link in the text', 'Other SMS providers are not connected'],
    tests: ['tests/adapters/messaging-adapters.test.ts'],
  },
  {
    id: 'whatsapp', name: 'WhatsApp (Twilio)', category: 'communication', connects: [{ kind: 'api', adapter: 'twilio' }],
    inbound: ['delivery status (signed status callbacks)'],
    outbound: ['messages and emergencies by WhatsApp (configuration whatsappFrom)'],
    cannot: ['Free-form messages reach only people who wrote within 24 hours; otherwise WhatsApp requires approved templates', 'The WhatsApp Cloud API is not connected directly, only through Twilio'],
    tests: ['tests/adapters/messaging-adapters.test.ts'],
  },
  {
    id: 'google-calendar', name: 'Google Calendar', category: 'calendar_system', connects: [{ kind: 'api', adapter: 'google-calendar' }],
    inbound: [CALENDAR_FIELDS, 'busy times for availability'], outbound: [CALENDAR_FIELDS],
    cannot: ['Attendees\' responses are not read back'],
    tests: ['tests/calendar/calendar-systems.test.ts', 'tests/connections/oauth-connect.test.ts'],
  },
  {
    id: 'outlook', name: 'Outlook / Microsoft 365', aliases: ['Outlook'], category: 'calendar_system', connects: [{ kind: 'api', adapter: 'outlook' }],
    inbound: [CALENDAR_FIELDS, 'busy times for availability'], outbound: [CALENDAR_FIELDS],
    cannot: ['Attendees\' responses are not read back'],
    tests: ['tests/calendar/calendar-systems.test.ts', 'tests/connections/oauth-connect.test.ts'],
  },
  {
    id: 'apple-calendar', name: 'Apple Calendar (iCloud)', aliases: ['CalDAV'], category: 'calendar_system',
    connects: [{ kind: 'caldav', adapter: 'caldav' }, { kind: 'calendar_feed', direction: 'outbound' }],
    inbound: [CALENDAR_FIELDS, 'busy times for availability'], outbound: [CALENDAR_FIELDS],
    cannot: ['iCloud offers no push notifications to third parties: changes arrive by polling (sync-collection)', 'Needs an app-specific password: Apple offers no OAuth for CalDAV'],
    tests: ['tests/calendar/caldav-servers.test.ts', 'tests/calendar/caldav-update.test.ts'],
  },
  {
    id: 'ical', name: 'iCal feeds (ICS)', aliases: ['webcal'], category: 'calendar_system', connects: [{ kind: 'calendar_feed', direction: 'outbound' }],
    inbound: [], outbound: ['timeline: the wedding\'s (or one vendor\'s) events as an RFC 5545 feed any calendar subscribes to'],
    cannot: ['A feed is read-only: changes made in the subscribing calendar do not come back', 'We read no bare ICS URL: a system\'s feed comes in through the calendar that subscribes to it (Google, Outlook, CalDAV)'],
    tests: ['tests/calendar/feeds-and-availability.test.ts', 'tests/calendar/ics-text.test.ts'],
  },
  {
    id: 'webhooks', name: 'Any system over webhooks (Zapier, Make, n8n)', aliases: ['Standard Webhooks'], category: 'wedding_planning', brief: false,
    connects: [{ kind: 'api', adapter: 'webhooks' }],
    inbound: ['meta, timeline, vendors, guests, payments as WedSync entities (Standard Webhooks, signed), each event naming its wedding when the connection serves several'],
    outbound: ['every change of each bound wedding as Standard Webhooks events to a subscriber URL, naming the wedding'],
    cannot: ['The sender must send WedSync\'s entity shapes; a system\'s own payloads need its preset'],
    tests: ['tests/adapters/webhooks-mappers.test.ts', 'tests/adapters/webhooks-presets.test.ts', 'tests/connections/webhooks-workspace-story.test.ts'],
  },
];

/** Per preset: what the generic description leaves out, and other names. */
const PRESET_NOTES: Record<string, { aliases?: string[]; cannot?: string[] }> = {
  'the-knot-pro': { aliases: ['WeddingWire', 'The Knot Pro'] },
  '17hats': { aliases: ['seventeen_hats'] },
  'light-blue': {},
};
const BRIEF_PRESETS = new Set(['studio-ninja', 'sprout-studio', 'honeybook', 'dubsado', '17hats', 'pixieset', 'shootq', 'iris-works', 'planning-pod',
  'catertrax', 'gather', 'flowermate', 'team-flower', 'aisle-planner', 'the-knot-pro']);

const fieldsText = (records: { entity: string; fields: Record<string, unknown> }[]) => {
  const by = new Map<string, Set<string>>();
  for (const r of records) for (const f of Object.keys(r.fields)) (by.get(r.entity) ?? by.set(r.entity, new Set()).get(r.entity)!).add(f);
  return [...by].map(([entity, fields]) => `${entity}: ${[...fields].join(', ')}`);
};

/** A preset system's entry, read from its preset (triggers and CSV map what comes in, actions what a flow can do there). */
function presetEntry(p: Preset): CatalogEntry {
  const via = [...new Set(p.connects.flatMap((c) => (c.kind === 'zapier' || c.kind === 'make' ? [c.kind] : [])))];
  const connects: Connection[] = [];
  if (via.length > 0 && p.triggers.length > 0) connects.push({ kind: 'preset', preset: p.system, via });
  if (p.csv) connects.push({ kind: 'csv', preset: p.system });
  for (const c of p.connects) if (c.kind === 'calendar_feed') connects.push({ kind: 'calendar_feed', adapter: c.adapter, direction: 'inbound' });
  const inbound = fieldsText([...p.triggers.flatMap((t) => t.map.records), ...(p.csv?.map.records ?? [])]);
  const notes = PRESET_NOTES[p.system] ?? {};
  return {
    id: p.system, name: p.name, aliases: notes.aliases ?? [], category: p.category, brief: BRIEF_PRESETS.has(p.system), connects,
    inbound: [...inbound, ...p.triggers.map((t) => `trigger “${t.name}” (${t.via.join(', ')})`)],
    outbound: p.actions.map((a) => `action “${a.name}” (${a.via.join(', ')}), fed by our outbound webhook events`),
    cannot: [
      `${p.name} publishes no API for third parties: changes arrive only when a ${via.join('/') || 'CSV'} trigger fires or an export is imported, and nothing is read back`,
      ...(p.actions.length === 0 ? [`Nothing is written to ${p.name}: it offers no action through Zapier or Make`] : []),
      ...(notes.cannot ?? []),
    ],
    tests: PRESET_TESTS,
    form: formOf(connects),
  };
}

/** The form of the first way that connects through something here (a CSV file is imported, not connected). */
function formOf(connects: Connection[]): ConnectForm | null {
  for (const c of connects) {
    if (c.kind === 'api' || c.kind === 'caldav') return adapterForm(c.adapter);
    if (c.kind === 'preset') return adapterForm('preset', c.preset);
    if (c.kind === 'calendar_feed') return c.adapter ? adapterForm(c.adapter) : feedForm();
  }
  return null;
}

function handEntry(h: Hand): CatalogEntry {
  return { ...h, aliases: h.aliases ?? [], brief: h.brief ?? true, form: formOf(h.connects) };
}

let cache: CatalogEntry[] | undefined;

/** The catalogue, by category then name; built once (the presets are read from disk). Throws on an invalid preset file. */
export function catalog(): CatalogEntry[] {
  cache ??= [...HAND.map(handEntry), ...[...allPresets().values()].map(presetEntry)]
    .sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
  return cache;
}

/** The adapters each entry connects through (API adapters, `caldav`, and `preset` for preset systems). */
export function adaptersUsed(entry: CatalogEntry): string[] {
  return entry.connects.flatMap((c) => (c.kind === 'api' || c.kind === 'caldav' ? [c.adapter] : c.kind === 'preset' ? ['preset'] : []));
}

/** One line of how an entry connects, for docs and the table in docs/integrations.md. */
export function connectsText(entry: CatalogEntry): string {
  return entry.connects.map((c) => {
    switch (c.kind) {
      case 'api': return `API (\`${c.adapter}\`)`;
      case 'preset': return `preset \`${c.preset}\` via ${c.via.join('/')}`;
      case 'csv': return 'CSV export';
      case 'calendar_feed': return c.direction === 'outbound' ? 'our ICS feed' : `its calendar feed via \`${c.adapter}\``;
      case 'caldav': return 'CalDAV (`caldav`)';
      case 'not_supported': return `not supported: ${c.why}`;
    }
  }).join('; ');
}
