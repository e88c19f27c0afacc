// The activity trail (schema/api/activity.ts) in the wedding's words: who (a person's name, a
// system's name), what (the event's title, the vendor's name), the change (values through
// value-words.ts, times in the wedding's zone) and when.

import type { ActivityActor, ActivityEntry } from '../../../sdk/index.ts';
import { systemName, type EventFacts } from '../conflicts/conflict-words.ts';
import { entityWords, fieldLabel, timeWords, valueWords } from '../conflicts/value-words.ts';
import { humanize } from '../ui/labels.ts';

/** `Alex Planner`, `Google Calendar`, `Robin (restore)`, `WedSync`. */
export function actorWords(actor: ActivityActor): string {
  switch (actor.kind) {
    case 'client': return actor.name;
    case 'adapter': return systemName(actor.system);
    case 'admin': return actor.name ? `${actor.name} (${humanize(actor.action).toLowerCase()})` : `An administrator (${humanize(actor.action).toLowerCase()})`;
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

const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined);

/** The server's own entry of a vendor removal (server/people/vendor-dependants.ts): what went besides the document's changes. */
const isDependants = (e: ActivityEntry) => e.root === 'vendors' && e.field === 'dependants';

/** `2 bookings, 1 calendar feed removed or revoked; 1 connection unbound`. */
function dependantsWords(what: Record<string, unknown>): string {
  const words = Object.entries(what)
    .filter(([k, n]) => typeof n === 'number' && n > 0 && k !== 'sockets' && k !== 'connectionBindings')
    .map(([k, n]) => `${n} ${humanize(k).toLowerCase()}`);
  const unbound = Array.isArray(what.unbound) ? what.unbound.length : 0;
  return [words.length ? `${words.join(', ')} removed or revoked` : 'nothing else bound to it', unbound ? `${unbound} connection${unbound === 1 ? '' : 's'} unbound` : '']
    .filter(Boolean).join('; ');
}

function subjectOf(e: ActivityEntry, facts: EventFacts): string {
  if (isDependants(e)) return facts.vendorName(e.entityId) ?? 'a removed vendor';
  const whole = obj(e.value) ?? obj(e.previous);
  switch (e.root) {
    case 'timeline': return facts.eventTitle(e.entityId) ?? (whole ? entityWords('timeline', whole, facts) : 'a deleted event');
    case 'vendors': return facts.vendorName(e.entityId) ?? (whole ? entityWords('vendors', whole, facts) : 'a removed vendor');
    case 'payments': return facts.paymentWords(e.entityId) ?? (whole ? entityWords('payments', whole, facts) : 'a removed payment');
    case 'meta': return 'the wedding details';
    case 'guests': return 'the guest numbers';
    case 'budget': return 'the budget totals';
    case 'messages': return 'a message';
    case 'conflicts': return 'a conflict';
    case 'contacts': return 'a contact';
    case 'tasks': return 'a task';
    default: return humanize(e.root).toLowerCase();
  }
}

function changeWords(e: ActivityEntry, facts: EventFacts): string {
  if (e.field === '') return e.change === 'added' ? 'added' : e.change === 'removed' ? 'deleted' : 'replaced';
  if (isDependants(e)) return dependantsWords(obj(e.previous) ?? {});
  const label = fieldLabel(e.field);
  if (e.root === 'conflicts' && e.field === 'status') return e.value === 'resolved' ? 'resolved' : `status ${String(e.value)}`;
  const before = valueWords(e.root, e.entityId, e.field, e.previous, facts);
  const after = valueWords(e.root, e.entityId, e.field, e.value, facts);
  if (e.change === 'added') return `${label} set to ${after}`;
  if (e.change === 'removed') return `${label} cleared (was ${before})`;
  return `${label} ${before} → ${after}`;
}

const FIELD_ORDER = ['', 'title', 'start', 'end'];

/**
 * Groups entries (newest first, as the API gives them) into lines: one per stored update, actor
 * and entity, so a move of an event (start and end) reads as one line.
 */
export function activityLines(entries: ActivityEntry[], facts: EventFacts): ActivityLine[] {
  const lines: ActivityLine[] = [];
  const byKey = new Map<string, { line: ActivityLine; parts: { field: string; words: string }[] }>();
  for (const e of entries) {
    // Conflicts' bookkeeping fields other than the outcome say nothing to a person.
    if (e.root === 'conflicts' && e.field !== '' && e.field !== 'status') continue;
    // A change that reads the same before and after (a recalculated total, a time to the second)
    // changed nothing a person can see.
    if (e.change === 'changed' && e.field !== '' && valueWords(e.root, e.entityId, e.field, e.previous, facts) === valueWords(e.root, e.entityId, e.field, e.value, facts)) continue;
    const key = `${e.updateSeq}\u0000${e.actor.id}\u0000${e.entity}`;
    let group = byKey.get(key);
    if (!group) {
      const eventId = e.root === 'timeline' && facts.event(e.entityId) ? e.entityId : null;
      // The budget totals are recalculated by WedSync after someone's change, not typed by them.
      const actor: ActivityActor = e.root === 'budget' ? { kind: 'system', id: 'wedsync', reason: 'budget totals recalculated' } : e.actor;
      group = { line: { key, at: e.at, actor, root: e.root, entityId: e.entityId, subject: subjectOf(e, facts), eventId, summary: '' }, parts: [] };
      byKey.set(key, group);
      lines.push(group.line);
    }
    const words = changeWords(e, facts);
    if (!group.parts.some((p) => p.words === words)) group.parts.push({ field: e.field, words });
  }
  // The order people read an event in: title, then start, then end, then the rest.
  const rank = (field: string) => { const i = FIELD_ORDER.indexOf(field); return i < 0 ? FIELD_ORDER.length : i; };
  for (const { line, parts } of byKey.values()) line.summary = parts.sort((a, b) => rank(a.field) - rank(b.field)).map((p) => p.words).join('; ');
  return lines;
}
