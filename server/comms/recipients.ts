import { addressKeys, type Contact, type Message, type Vendor, type WeddingDoc } from '../../schema/index.ts';
import { MESSAGING_CHANNELS, type MessagingChannel, type Recipient } from '../../adapters/core/index.ts';

export type Channel = Message['channels'][number];

/** A person on the wedding, with what we know about how to reach them. */
export interface Person extends Recipient {
  preferredChannels: Channel[];
}

/** Where a channel leads for one person: the integration that sends it and the address it uses. */
export interface Route {
  integrationId: string;
  address: string;
}

export type Router = (person: Person, channel: MessagingChannel) => Route | null;

/**
 * The order in which channels not on someone's list are tried when they have not answered: the
 * ones people notice soonest first.
 */
export const ESCALATION_ORDER: readonly MessagingChannel[] = ['sms', 'whatsapp', 'teams', 'slack', 'email'];

export function personOfVendor(v: Vendor): Person {
  return { id: v.id, kind: 'vendor', name: v.name, email: v.email, phone: v.phone, role: v.category, preferredChannels: v.preferredChannels };
}

export function personOfContact(c: Contact): Person {
  return { id: c.id, kind: 'contact', name: c.name, email: c.email, phone: c.phone, role: c.role, preferredChannels: c.preferredChannels };
}

/** A vendor or contact of the wedding by id. */
export function findPerson(w: WeddingDoc, id: string): Person | null {
  const v = w.getVendor(id);
  if (v) return personOfVendor(v);
  const c = w.getContact(id);
  return c ? personOfContact(c) : null;
}

/** Vendors still working on the wedding (not cancelled). */
export function activeVendors(w: WeddingDoc): Person[] {
  return w.listVendors().filter((v) => v.status !== 'cancelled').map(personOfVendor);
}

/**
 * Vendor statuses that take automatic messages: the vendor has agreed to work on the wedding. A
 * vendor still at `inquiry` is not told of changes to a plan it is not part of; `cancelled` left it.
 */
export const BOOKED_STATUSES: ReadonlySet<Vendor['status']> = new Set(['booked', 'confirmed']);

/** Whether a person may receive automatic messages: every contact, and vendors that are booked. */
export function isBooked(w: WeddingDoc, person: Person): boolean {
  if (person.kind !== 'vendor') return true;
  const vendor = w.getVendor(person.id);
  return !!vendor && BOOKED_STATUSES.has(vendor.status);
}

/**
 * The people of a list with each address once (addresses compared as in schema/document/addresses.ts):
 * a person who shares an e-mail or phone with someone earlier in the list is merged into that one.
 * Two vendor entries for one business (added concurrently by two offline peers), or a planner who is
 * both a contact and a vendor, are messaged once. `merged`: dropped id → the id kept for it.
 */
export function dedupeByAddress(people: readonly Person[]): { people: Person[]; merged: Map<string, string> } {
  const owner = new Map<string, string>();
  const kept: Person[] = [];
  const merged = new Map<string, string>();
  const seen = new Set<string>();
  for (const person of people) {
    if (seen.has(person.id)) continue;
    seen.add(person.id);
    const keys = addressKeys(person);
    const into = keys.map((k) => owner.get(k)).find((id) => id !== undefined);
    if (into !== undefined) {
      merged.set(person.id, into);
      continue;
    }
    for (const k of keys) owner.set(k, person.id);
    kept.push(person);
  }
  return { people: kept, merged };
}

/**
 * Vendors followed by each one's crew (the contacts whose `vendorId` is it): a message to a vendor
 * reaches the people who work for it too. Each person once, in that order.
 */
export function withCrew(w: WeddingDoc, vendors: readonly Person[]): Person[] {
  const out = new Map<string, Person>();
  for (const v of vendors) {
    out.set(v.id, v);
    if (v.kind === 'vendor') for (const c of w.crewOf(v.id)) if (!out.has(c.id)) out.set(c.id, personOfContact(c));
  }
  return [...out.values()];
}

export function contactsWithRole(w: WeddingDoc, roles: readonly Contact['role'][]): Person[] {
  return w.listContacts().filter((c) => roles.includes(c.role)).map(personOfContact);
}

const isMessaging = (c: Channel): c is MessagingChannel => (MESSAGING_CHANNELS as readonly string[]).includes(c);

/**
 * Every channel that can reach `person`, best first: their own list in their order, then the rest
 * in ESCALATION_ORDER. `only` restricts the channels (a message that asks for specific ones).
 */
export function ladder(person: Person, router: Router, only?: readonly Channel[]): { channel: MessagingChannel; route: Route }[] {
  const order = [...person.preferredChannels.filter(isMessaging), ...ESCALATION_ORDER];
  const out: { channel: MessagingChannel; route: Route }[] = [];
  for (const channel of order) {
    if (out.some((x) => x.channel === channel) || (only && !only.includes(channel))) continue;
    const route = router(person, channel);
    if (route) out.push({ channel, route });
  }
  return out;
}

/**
 * The first wave for one person. `broadcast`: every channel they listed (or, if they listed none
 * that can reach them, every channel that can); otherwise the first channel that can reach them.
 */
export function firstWave(person: Person, router: Router, options: { broadcast: boolean; only?: readonly Channel[] }): { channel: MessagingChannel; route: Route }[] {
  const all = ladder(person, router, options.only);
  if (!options.broadcast) return all.slice(0, 1);
  const listed = all.filter((x) => person.preferredChannels.includes(x.channel));
  return listed.length ? listed : all;
}

/** Channels of someone's list that no integration can reach (shown as skipped). */
export function unreachableListed(person: Person, router: Router, only?: readonly Channel[]): MessagingChannel[] {
  return person.preferredChannels.filter(isMessaging).filter((c) => (!only || only.includes(c)) && !router(person, c));
}
