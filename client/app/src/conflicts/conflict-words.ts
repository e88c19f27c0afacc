// A recorded conflict (schema/document/entities.ts `Conflict`) in the wedding's words: one
// sentence with the events it is about linked, both values as people read them, and the two
// choices named by what they do. Pure, so every kind the server records is tested
// (tests/planner-app/conflict-words.test.ts). The kinds:
// - `availability:double-booking` / `availability:calendar` (server/calendar/calendar-service.ts):
//   a vendor on two overlapping commitments; `remote` takes the vendor off the event;
// - a field changed both here and in a connected system (server/bridge/inbound-applier.ts);
// - a deletion meeting an edit (field `*`, one side `null`), from a system or a snapshot restore;
// - a snapshot restore displacing an offline edit (source `restore:<id>`, server/admin/restore-merge-plan.ts).

import { shortSystemName } from '../../../../schema/api/system-names.ts';
import type { ActivityActor, Conflict } from '../../../sdk/index.ts';
import { entityWords, fieldLabel, timeWords, valueWords, type WeddingFacts } from './value-words.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

/** Plain text, or an event named and linked (`eventId` is for the link, never shown). */
export type Part = string | { eventId: string; text: string };

/** The other commitment of a double booking, when known (from the availability API or the document). */
export type Partner =
  | { kind: 'event'; eventId: string; title: string; start: string }
  | { kind: 'other-wedding'; title: string | null; start: string | null }
  | { kind: 'calendar'; system: string };

export interface EventFacts extends WeddingFacts {
  event(id: string): { title: string; start: string; end: string; vendorIds: string[] } | undefined;
  paymentWords(id: string): string | undefined;
}

export interface ConflictWords {
  kind: 'double-booking' | 'calendar-busy' | 'field' | 'deleted-there' | 'deleted-here' | 'whole-entity';
  sentence: Part[];
  /** The two sides, each with a label (where the value is) and the value in words. */
  local: { label: string; value: string };
  remote: { label: string; value: string };
  /** What pressing each choice does. */
  choices: { local: string; remote: string };
  /** The events the sentence links. */
  eventIds: string[];
}

/** In a sentence ("changed … in a webhook system"), the systems that are not one product. */
const IN_A_SENTENCE = lookupTable<string>({ webhooks: 'a webhook system', universal: 'a webhook system', csv: 'a CSV import', preset: 'a Zapier or Make flow' });

/** `google-calendar` → `Google Calendar`; `restore:…` → `the snapshot restore`. */
export function systemName(source: string): string {
  if (source.startsWith('restore:')) return 'the snapshot restore';
  if (source.startsWith('availability:')) return 'the availability check';
  return IN_A_SENTENCE[source] ?? shortSystemName(source);
}

const ROLE_WORDS = lookupTable<string>({ planner: 'A planner', admin: 'An administrator', couple: 'The couple', vendor: 'A vendor', guest: 'A guest' });

/**
 * Who made a change, by name, for every kind of actor: never an id. A person stored without a
 * name (the trail then carries the token's subject as the name) is named by role, or "Someone".
 */
export function actorName(actor: ActivityActor): string {
  switch (actor.kind) {
    case 'client': {
      const name = actor.name.trim();
      if (name && name !== actor.id) return name;
      return (actor.role && ROLE_WORDS[actor.role]) ?? 'Someone';
    }
    case 'adapter': return systemName(actor.system);
    case 'admin': return actor.name?.trim() || 'An administrator';
    case 'system': return actor.reason.startsWith('calendar') ? 'The availability check' : 'WedSync';
    default: {
      const never: never = actor;
      return never;
    }
  }
}

const eventPart = (facts: EventFacts, id: string, fallback?: Record<string, unknown>): Part => {
  const e = facts.event(id);
  if (e) return { eventId: id, text: `${e.title} (${timeWords(e.start, facts)})` };
  return fallback ? entityWords('timeline', fallback, facts) : 'an event that has since been deleted';
};

/** The entity a conflict is about, as a sentence part. */
function subject(c: Conflict, facts: EventFacts, whole?: unknown): Part {
  const fallback = whole && typeof whole === 'object' && !Array.isArray(whole) ? whole as Record<string, unknown> : undefined;
  switch (c.entity) {
    case 'timeline': return eventPart(facts, c.entityId, fallback);
    case 'vendors': return facts.vendorName(c.entityId) ?? (fallback ? entityWords('vendors', fallback, facts) : 'a removed vendor');
    case 'payments': return facts.paymentWords(c.entityId) ?? (fallback ? entityWords('payments', fallback, facts) : 'a removed payment');
    case 'guests': return 'The guest numbers';
    default: return 'The wedding';
  }
}

const PLURAL = new Set(['vendors', 'notes', 'channels', 'dietary needs', 'crew times']);
const text = (p: Part) => (typeof p === 'string' ? p : p.text);
const linked = (parts: Part[]) => parts.flatMap((p) => (typeof p === 'string' ? [] : [p.eventId]));
const cap = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

function doubleBooking(c: Conflict, facts: EventFacts, partner: Partner | undefined): ConflictWords {
  const local = Array.isArray(c.localValue) ? c.localValue.filter((v): v is string => typeof v === 'string') : [];
  const remote = new Set(Array.isArray(c.remoteValue) ? c.remoteValue : []);
  const vendorId = local.find((v) => !remote.has(v));
  const vendor = (vendorId && facts.vendorName(vendorId)) || 'A vendor';
  const here = eventPart(facts, c.entityId);
  const calendar = c.source === 'availability:calendar' || partner?.kind === 'calendar';
  let other: Part;
  if (partner?.kind === 'event') other = eventPart(facts, partner.eventId, { title: partner.title, start: partner.start });
  else if (calendar) other = `busy in their own ${partner?.kind === 'calendar' ? systemName(partner.system) : 'calendar'}`;
  else if (partner?.kind === 'other-wedding') other = `another wedding${partner.title ? `’s ${partner.title}` : ''}${partner.start ? ` (${timeWords(partner.start, facts)})` : ''}`;
  else other = 'another commitment';
  const sentence: Part[] = [`${vendor} is booked for `, here, ' and ', other, ' at the same time'];
  const hereTitle = typeof here === 'string' ? 'this event' : facts.event(c.entityId)?.title ?? 'this event';
  return {
    kind: calendar ? 'calendar-busy' : 'double-booking',
    sentence,
    local: { label: `Vendors on ${hereTitle} now`, value: valueWords('timeline', c.entityId, 'vendorIds', c.localValue, facts) },
    remote: { label: `Vendors on ${hereTitle} if ${vendor} is taken off`, value: valueWords('timeline', c.entityId, 'vendorIds', c.remoteValue, facts) },
    choices: { local: `Keep ${vendor} on both`, remote: `Take ${vendor} off ${hereTitle}` },
    eventIds: linked(sentence),
  };
}

/**
 * The words for `c`. `partner` is the other commitment of a double booking when it is known;
 * without it the sentence says "another commitment". Every text is free of ids.
 */
export function conflictWords(c: Conflict, facts: EventFacts, partner?: Partner): ConflictWords {
  if (c.source.startsWith('availability:') && c.entity === 'timeline' && c.field === 'vendorIds') return doubleBooking(c, facts, partner);
  const source = systemName(c.source);
  const restore = c.source.startsWith('restore:');
  const there = restore ? 'In the restored snapshot' : `In ${source}`;
  const hereLabel = restore ? 'Here (edited while offline)' : 'Here in WedSync';

  if (c.field === '*') {
    const whole = c.localValue ?? c.remoteValue;
    const who = subject(c, facts, whole);
    const name = text(who);
    const localValue = valueWords(c.entity, c.entityId, '*', c.localValue, facts);
    const remoteValue = valueWords(c.entity, c.entityId, '*', c.remoteValue, facts);
    if (c.remoteValue === null) {
      const sentence: Part[] = restore
        ? ['Restoring the snapshot removed ', who, ', but it was changed here while offline']
        : [`${source} deleted `, who, ', which was changed here since'];
      return {
        kind: 'deleted-there', sentence, local: { label: hereLabel, value: localValue }, remote: { label: there, value: 'deleted' },
        choices: { local: `Keep ${name}`, remote: `Delete ${name}` }, eventIds: linked(sentence),
      };
    }
    if (c.localValue === null) {
      const sentence: Part[] = [typeof who === 'string' ? cap(who) : who, ` was deleted here, but ${restore ? 'the restored snapshot has it' : `${source} changed it meanwhile`}`];
      return {
        kind: 'deleted-here', sentence, local: { label: 'Here in WedSync', value: 'deleted' }, remote: { label: there, value: remoteValue },
        choices: { local: `Confirm deleting ${name}`, remote: `Keep ${name} ${restore ? 'as in the snapshot' : `with ${source}’s changes`}` }, eventIds: linked(sentence),
      };
    }
    const sentence: Part[] = [who, ` was changed here and ${restore ? 'by restoring a snapshot' : `in ${source}`}`];
    return {
      kind: 'whole-entity', sentence, local: { label: hereLabel, value: localValue }, remote: { label: there, value: remoteValue },
      choices: { local: 'Keep the version here', remote: restore ? 'Use the snapshot’s version' : `Use ${source}’s version` }, eventIds: linked(sentence),
    };
  }

  const label = fieldLabel(c.field);
  const was = PLURAL.has(label) ? 'were' : 'was';
  const who = subject(c, facts);
  const localValue = valueWords(c.entity, c.entityId, c.field, c.localValue, facts);
  const remoteValue = valueWords(c.entity, c.entityId, c.field, c.remoteValue, facts);
  const sentence: Part[] = restore
    ? [who, `: the ${label} ${was} changed to ${localValue} here while offline, and restoring the snapshot put back ${remoteValue}`]
    : [who, `: the ${label} ${was} changed to ${localValue} here and to ${remoteValue} in ${source}`];
  const time = c.field === 'start' || c.field === 'end';
  const empty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
  const choice = (value: unknown, words: string, keep: boolean) => {
    if (empty(value)) return keep ? `Keep the ${label} empty` : `Clear the ${label}`;
    if (time) return keep ? `Keep the ${label} at ${words}` : `Move the ${label} to ${words}`;
    return keep ? `Keep the ${label} as ${words}` : `Change the ${label} to ${words}`;
  };
  return {
    kind: 'field', sentence, local: { label: hereLabel, value: localValue }, remote: { label: there, value: remoteValue },
    choices: { local: choice(c.localValue, localValue, true), remote: choice(c.remoteValue, remoteValue, false) },
    eventIds: linked(sentence),
  };
}

/** The sentence as plain text (for announcements and tests). */
export function sentenceText(parts: Part[]): string {
  return parts.map(text).join('');
}
