import type { Contact, Message, Vendor, WeddingDoc } from '../../schema/index.ts';
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
