// The activity trail (schema/api/activity.ts) in the wedding's words: who (a person's name, a
// system's name), what (the event's title, the vendor's name), the change (values through
// value-words.ts, times in the wedding's zone) and when.

import type { ActivityActor, ActivityEntry } from '../../../sdk/index.ts';
import { systemName, type EventFacts } from '../conflicts/conflict-words.ts';
import { INTERNAL_ID, timeWords, valueWords } from '../conflicts/value-words.ts';
import { changeWords, isDependants, subjectOf } from './activity-changes.ts';
import type { ActivityFacts } from './activity-facts.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

const ROLE_WORDS = lookupTable<string>({ planner: 'A planner', couple: 'The couple', vendor: 'A vendor', viewer: 'A viewer', admin: 'An administrator' });

/** Administrative actions worth naming beside who did them; the others (a payment recorded, a message sent) say it in the line. */
const ADMIN_ACTIONS = lookupTable<string>({ restore: 'restoring a snapshot', 'privacy.erase': 'erasing personal data' });

/** Whether a stored name is one to show (not the id again, nor another id). */
function named(name: string | undefined, id: string): name is string {
  return !!name && name !== id && !INTERNAL_ID.test(name);
}

/** A person by name; by role when the token carried no name (its subject is an id, never shown). */
function personWords(name: string | undefined, id: string, role: string | undefined): string {
  if (named(name, id)) return name;
  return (role && ROLE_WORDS[role]) || 'Someone';
}

/** The subject of the operator's own token (server/cli/serve.ts): an administrator, whatever the row's role says. */
const OPERATOR_ID = 'admin';

/**
 * `Pia Planner`, `Google Calendar`, `Robin Planner (restoring a snapshot)`, `An administrator`, `WedSync`.
 * A service that writes on a person's behalf (a payment plan, a recorded payment, an acknowledgement:
 * server/payments, server/comms) carries that person in its admin origin: it reads as them. Rows
 * written before it did carry only the person's id; the server names them from its people store
 * (server/activity/actor-names.ts). Only a row that says so (role `admin`, or the operator's token)
 * reads "An administrator"; a service row that names nobody reads "Someone".
 */
export function actorWords(actor: ActivityActor): string {
  switch (actor.kind) {
    // An administrator editing live (the operator's token is named "Admin") reads as the admin rows do.
    case 'client': return actor.role === 'admin' ? ROLE_WORDS.admin! : personWords(actor.name, actor.id, actor.role);
    case 'adapter': return systemName(actor.system);
    case 'admin': {
      const what = ADMIN_ACTIONS[actor.action];
      const administrator = actor.role === 'admin' || (actor.role === undefined && actor.id === OPERATOR_ID);
      const who = administrator ? 'An administrator' : personWords(actor.name, actor.id, actor.role);
      return what ? `${who} (${what})` : who;
    }
    default: return actor.reason.startsWith('calendar') ? 'The availability check' : 'WedSync';
  }
}

/** When a change was stored, in the wedding's zone with its date: `Sat 12 Jun 14:05`. */
export function whenWords(iso: string, timeZone: string): string {
  return timeWords(iso, { timeZone, weddingDate: undefined });
}

/** One update's changes to one entity: shown as one line of the trail. */
export interface ActivityLine {
  key: string;
  at: string;
  actor: ActivityActor;
  root: string;
  entityId: string;
  /** The entity's name (an event's title, a vendor's name); `eventId` set when it is an event still in the wedding. */
  subject: string;
  eventId: string | null;
  /** `added`, `deleted`, or the fields changed with their before and after. */
  summary: string;
}

const FIELD_ORDER = ['', 'dependants', 'title', 'start', 'end', 'status'];

/**
 * Roots the server keeps as bookkeeping of another change, which has its own line: the budget
 * totals (recomputed by WedSync from the payments, server/payments/payment-coordinator.ts) and the
 * records of a removed contact or a merged or removed vendor (written with the deletion or merge, for
 * the names of what still refers to them).
 */
const MIRRORS = new Set(['budget', 'contactRemovals', 'vendorRemovals']);

/** A vendor's removal and what the server removed with it (two entries, two updates) read as one line. */
const isVendorRemoval = (e: ActivityEntry) => e.root === 'vendors' && (isDependants(e) || (e.field === '' && e.change === 'removed'));

/**
 * The facts, completed from the page itself: people named as actors (a planner who decided a
 * proposal is named by their id in it), and vendors removed in the page (named by their last name).
 */
function pageFacts(entries: ActivityEntry[], facts: EventFacts & Partial<ActivityFacts>): ActivityFacts {
  const actors = new Map<string, string>();
  const removedVendors = new Map<string, string>();
  for (const e of entries) {
    const name = 'name' in e.actor ? e.actor.name : undefined;
    if (name && name !== e.actor.id && !INTERNAL_ID.test(name)) actors.set(e.actor.id, name);
    const was = e.previous as { name?: unknown } | null;
    if (e.root === 'vendors' && e.field === '' && typeof was?.name === 'string' && was.name) removedVendors.set(e.entityId, was.name);
  }
  return {
    ...facts,
    paymentWords: (id) => facts.paymentWords(id),
    vendorName: (id) => facts.vendorName(id) ?? removedVendors.get(id),
    personName: (id) => facts.personName?.(id) ?? facts.vendorName(id) ?? actors.get(id),
  };
}

/**
 * Groups entries (newest first, as the API gives them) into lines: one per stored update, actor
 * and entity, so a move of an event (start and end) reads as one line. `facts` from activityFacts;
 * the conflicts' weddingFacts also do, with fewer names.
 */
export function activityLines(entries: ActivityEntry[], known: EventFacts & Partial<ActivityFacts>): ActivityLine[] {
  const facts = pageFacts(entries, known);
  const lines: ActivityLine[] = [];
  const byKey = new Map<string, { line: ActivityLine; parts: { field: string; words: string }[] }>();
  for (const e of entries) {
    if (MIRRORS.has(e.root)) continue;
    // Conflicts' bookkeeping fields other than the outcome say nothing to a person.
    if (e.root === 'conflicts' && e.field !== '' && e.field !== 'status') continue;
    // A change that reads the same before and after (a time to the second) changed nothing a person can see.
    if (e.change === 'changed' && e.field !== '' && valueWords(e.root, e.entityId, e.field, e.previous, facts) === valueWords(e.root, e.entityId, e.field, e.value, facts)) continue;
    const words = changeWords(e, facts);
    if (!words) continue;
    const key = isVendorRemoval(e) ? `removed\u0000${e.actor.id}\u0000${e.entity}` : `${e.updateSeq}\u0000${e.actor.id}\u0000${e.entity}`;
    let group = byKey.get(key);
    if (!group) {
      const eventId = e.root === 'timeline' && facts.event(e.entityId) ? e.entityId : null;
      group = { line: { key, at: e.at, actor: e.actor, root: e.root, entityId: e.entityId, subject: subjectOf(e, facts), eventId, summary: '' }, parts: [] };
      byKey.set(key, group);
      lines.push(group.line);
    }
    if (!group.parts.some((p) => p.words === words)) group.parts.push({ field: e.field, words });
  }
  // The order people read an event in: title, then start, then end, then the rest.
  const rank = (field: string) => { const i = FIELD_ORDER.indexOf(field); return i < 0 ? FIELD_ORDER.length : i; };
  for (const { line, parts } of byKey.values()) {
    // "removed, with 1 booking" says the removal already.
    const shown = parts.some((p) => p.field === 'dependants') ? parts.filter((p) => !(p.field === '' && (p.words === 'deleted' || p.words === 'removed'))) : parts;
    line.summary = shown.sort((a, b) => rank(a.field) - rank(b.field)).map((p) => p.words).join('; ');
  }
  return lines;
}
