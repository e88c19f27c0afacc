// The subject and the change of one activity entry (schema/api/activity.ts) in the wedding's words,
// per root: what a crew box, an acknowledgement, a proposal's decision or a vendor's removal means
// to a person, rather than the document's field names. Values go through value-words.ts, so they
// read as in the conflicts view. Never an id: what the wedding no longer knows is "someone".

import type { ActivityEntry, Delivery } from '../../../sdk/index.ts';
import { Conflict } from '../../../sdk/index.ts';
import { conflictWords, sentenceText } from '../conflicts/conflict-words.ts';
import { INTERNAL_ID, entityWords, fieldLabel, idWords, objectWords, valueWords } from '../conflicts/value-words.ts';
import { deliveryLabel } from '../messages/message-labels.ts';
import { humanize } from '../ui/labels.ts';
import type { ActivityFacts } from './activity-facts.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

const obj = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** A field's label; a key that is an id (a map keyed by vendors or people) by the name it stands for. */
const labelOf = (key: string, facts: ActivityFacts) => (INTERNAL_ID.test(key) ? idWords(key, facts) : fieldLabel(key));

/** The server's own entry of a vendor removal (server/people/vendor-dependants.ts): what went besides the document's changes. */
export const isDependants = (e: ActivityEntry) => e.root === 'vendors' && e.field === 'dependants';

/** The entries of a vendor leaving the wedding: its entry deleted (by a merge or a removal), and what the server removed with it. */
const isVendorLeaving = (e: ActivityEntry) => e.root === 'vendors' && (isDependants(e) || (e.field === '' && e.change === 'removed'));

/** The kinds server/people/vendor-dependants.ts counts, in the singular. */
const DEPENDANT_WORDS = lookupTable<string>({
  contacts: 'contact', participants: 'person with access', invitations: 'invitation', calendarFeeds: 'calendar feed', bookings: 'booking',
  busyBlocks: 'busy time', apiKeys: 'API key',
});

/** `with 2 bookings and 1 calendar feed; 1 connection unbound`: what a vendor's removal took with it. */
export function dependantsWords(what: Record<string, unknown>): string {
  const words = Object.entries(what)
    .filter(([k, n]) => typeof n === 'number' && n > 0 && k !== 'sockets' && k !== 'connectionBindings')
    .map(([k, n]) => {
      const one = DEPENDANT_WORDS[k] ?? humanize(k).toLowerCase().replace(/s$/, '');
      return n === 1 ? `1 ${one}` : `${n as number} ${one === 'person with access' ? 'people with access' : `${one}s`}`;
    });
  const unbound = Array.isArray(what.unbound) ? what.unbound.length : 0;
  const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words[0];
  return [list ? `with ${list}` : 'nothing else was bound to it', unbound ? `${plural(unbound, 'connection')} unbound` : ''].filter(Boolean).join('; ');
}

/** What the entry is about: an event's title, a vendor's name, `the message “Rain plan”`, `the proposal for Group photos`. */
export function subjectOf(e: ActivityEntry, facts: ActivityFacts): string {
  // The line of a vendor's leaving names it plainly and says how it left (vendorLeftWords).
  const former = isVendorLeaving(e) ? facts.formerVendor?.(e.entityId) : undefined;
  if (former) return former.name;
  if (isDependants(e)) return facts.vendorName(e.entityId) ?? 'a removed vendor';
  const whole = obj(e.value) ?? obj(e.previous);
  switch (e.root) {
    case 'timeline': return facts.eventTitle(e.entityId) ?? (whole ? entityWords('timeline', whole, facts) : 'a deleted event');
    case 'vendors': return facts.vendorName(e.entityId) ?? (whole ? entityWords('vendors', whole, facts) : 'a removed vendor');
    case 'payments': return facts.paymentWords(e.entityId) ?? (whole ? entityWords('payments', whole, facts) : 'a removed payment');
    case 'meta': return 'the wedding details';
    case 'guests': return 'the guest numbers';
    case 'budget': return 'the budget totals';
    case 'messages': {
      const title = facts.messageTitle?.(e.entityId) ?? (whole && e.field === '' ? entityWords('messages', whole, facts) : undefined);
      return title ? `the message “${title}”` : 'a message';
    }
    case 'proposals': {
      const eventId = facts.proposal?.(e.entityId)?.eventId ?? (whole && e.field === '' && typeof whole.eventId === 'string' ? whole.eventId : undefined);
      const title = eventId ? facts.eventTitle(eventId) : undefined;
      return title ? `the proposal for ${title}` : eventId ? 'a proposal for a deleted event' : 'a proposal';
    }
    case 'conflicts': return conflictSubject(e, facts);
    case 'contacts': return facts.personName(e.entityId) ?? (whole && e.field === '' ? entityWords('contacts', whole, facts) : 'a removed contact');
    case 'tasks': return whole && e.field === '' ? `the task “${entityWords('tasks', whole, facts)}”` : 'a task';
    case 'comments': return 'a comment';
    case 'notes': return 'the notes';
    case 'restores': return 'the wedding';
    default: return humanize(e.root).toLowerCase();
  }
}

/**
 * `the conflict “Lens & Light is booked for Group photos (16:15) and another commitment at the same
 * time”`: the conflict by its sentence in the Conflicts tab (trial 24: "a conflict" said not which).
 * The conflict is the entry's own value when it was added, else the wedding's conflict of that id.
 */
function conflictSubject(e: ActivityEntry, facts: ActivityFacts): string {
  const parsed = Conflict.safeParse(e.field === '' ? e.value ?? e.previous : undefined);
  const c = parsed.success ? parsed.data : facts.conflict?.(e.entityId);
  if (!c) return 'a conflict';
  return `the conflict “${sentenceText(conflictWords(c, facts).sentence)}”`;
}

/** The guests form's own labels (guests/guests-editor.tsx), so a line reads as the form the person used. */
const GUEST_LABELS = lookupTable<string>({ count: '“Invited”', rsvpYes: '“Coming”', rsvpNo: '“Not coming”', rsvpPending: '“Not answered yet”' });

/** Nothing a person set: an empty text, an unticked box, no value. A crew entry's first save writes these beside the field set. */
const unset = (v: unknown) => v === null || v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0);

/** `set to 13:15`, `13:15 → 13:45`, `cleared (was 13:15)`: a labelled change of one value. */
function changed(label: string, e: ActivityEntry, field: string, facts: ActivityFacts): string {
  const before = valueWords(e.root, e.entityId, field, e.previous, facts);
  const after = valueWords(e.root, e.entityId, field, e.value, facts);
  if (e.change === 'added') return `${label} set to ${after}`;
  if (e.change === 'removed') return `${label} cleared (was ${before})`;
  return `${label} ${before} → ${after}`;
}

/** A vendor's crew fields on an event (`crew.<vendorId>[.<field>]`, schema/document/contributions.ts): what the vendor said. */
function crewWords(e: ActivityEntry, vendorId: string | undefined, sub: string | undefined, facts: ActivityFacts): string {
  const vendor = vendorId ? idWords(vendorId, facts) : 'the crew';
  if (sub === undefined) {
    // The vendor's entry (or the event's whole crew) added or removed in one go.
    const entries = vendorId ? { [vendorId]: obj(e.value) ?? obj(e.previous) ?? {} } : (obj(e.value) ?? obj(e.previous) ?? {});
    const parts = Object.entries(entries).flatMap(([vid, entry]) => Object.entries(obj(entry) ?? {})
      .filter(([, v]) => !unset(v))
      .map(([k, v]) => crewWords({ ...e, change: e.value === null ? 'removed' : 'added', previous: e.value === null ? v : null, value: e.value === null ? null : v }, vid, k, facts)));
    const said = parts.filter(Boolean);
    return said.length ? said.join('; ') : `${vendor}’s crew details ${e.value === null ? 'cleared' : 'added'}`;
  }
  // A field added empty alongside the one the vendor set (a first call-time save writes notes '' and
  // confirmed false): it did not change, so it is not listed (trial 24).
  if (e.change === 'added' && unset(e.value)) return '';
  if (sub === 'confirmed') {
    if (e.value === true) return `confirmed the event for ${vendor}`;
    return e.previous === true ? `took back the confirmation for ${vendor}` : `not yet confirmed for ${vendor}`;
  }
  const label = sub === 'arrival' ? `call time for ${vendor}` : sub === 'notes' ? `crew notes for ${vendor}` : `${labelOf(sub, facts)} for ${vendor}`;
  return changed(label, e, sub === 'arrival' ? 'arrival' : sub, facts);
}

/** A message's acknowledgements and sends (`acks.<recipientId>`, `deliveries.<recipientId>/<channel>`). */
function messageWords(e: ActivityEntry, facts: ActivityFacts): string | undefined {
  const [head, ...rest] = e.field.split('.');
  const key = rest.join('.');
  if (e.field === '' && e.change === 'added') {
    const m = obj(e.value) ?? {};
    const n = Array.isArray(m.recipientIds) ? m.recipientIds.length : 0;
    return `sent${n ? ` to ${n === 1 ? idWords(String((m.recipientIds as unknown[])[0]), facts) : `${n} people`}` : ''}${m.requiresAck === true ? ', asking them to acknowledge' : ''}`;
  }
  if (head === 'acks') {
    const who = key ? [key] : Object.keys(obj(e.value) ?? obj(e.previous) ?? {});
    const names = who.map((id) => idWords(id, facts)).join(', ') || 'nobody';
    return e.change === 'removed' ? `acknowledgement by ${names} taken back` : `acknowledged by ${names}`;
  }
  if (head === 'deliveries') {
    const sends = key ? [e.value ?? e.previous] : Object.values(obj(e.value) ?? obj(e.previous) ?? {});
    const words = sends.map((d) => {
      const send = obj(d);
      if (!send || typeof send.channel !== 'string' || typeof send.status !== 'string') return undefined;
      return `${idWords(String(send.recipientId ?? key.split('/')[0] ?? ''), facts)}, ${deliveryLabel(send as unknown as Delivery)}`;
    }).filter(Boolean);
    return words.length ? words.join('; ') : e.change === 'removed' ? 'a send withdrawn' : 'a send recorded';
  }
  if (e.field === 'senderId') return changed('sender', e, 'senderId', facts);
  return undefined;
}

/** A proposal: made, accepted or declined, with the event's values before and after. */
function proposalWords(e: ActivityEntry, facts: ActivityFacts): string | undefined {
  if (e.field === '' && e.change === 'added') {
    const p = obj(e.value) ?? {};
    const changes = obj(p.changes) ?? {};
    const note = typeof p.note === 'string' && p.note.trim() ? ` (“${p.note.trim().slice(0, 80)}”)` : '';
    return `proposed ${objectWords('timeline', '', changes, facts)}${note}`;
  }
  if (e.field === 'status') return typeof e.value === 'string' ? valueWords(e.root, e.entityId, 'status', e.value, facts).toLowerCase() : 'decision withdrawn';
  // The line's actor and time already say who decided and when.
  if (e.field === 'decidedAt' || e.field === 'decidedBy') return '';
  if (e.field === 'before') {
    const before = obj(e.value) ?? {};
    const after = facts.proposal?.(e.entityId)?.changes ?? {};
    const parts = Object.entries(before).map(([k, v]) => (k in after
      ? `${labelOf(k, facts)} ${valueWords('timeline', '', k, v, facts)} → ${valueWords('timeline', '', k, after[k], facts)}`
      : `${labelOf(k, facts)} was ${valueWords('timeline', '', k, v, facts)}`));
    return parts.join('; ');
  }
  if (e.field === 'changes') return changed('proposed change', e, 'changes', facts);
  return undefined;
}

/** The change of one entry, in words; '' when it says nothing a person needs (the line's actor and time say it). */
export function changeWords(e: ActivityEntry, facts: ActivityFacts): string {
  if (isDependants(e)) return `removed, ${dependantsWords(obj(e.previous) ?? {})}`;
  if (e.root === 'messages') { const w = messageWords(e, facts); if (w !== undefined) return w; }
  if (e.root === 'proposals') { const w = proposalWords(e, facts); if (w !== undefined) return w; }
  if (e.root === 'timeline' && (e.field === 'crew' || e.field.startsWith('crew.'))) {
    const [, vendorId, sub] = e.field.split('.');
    return crewWords(e, vendorId, sub, facts);
  }
  if (e.root === 'restores' && e.field === '') {
    const label = obj(e.value)?.snapshotLabel;
    return e.change === 'added' ? `restored the snapshot${typeof label === 'string' && label ? ` “${label}”` : ''}` : 'a restore notice removed';
  }
  if (e.root === 'comments' && e.field === '' && e.change === 'added') {
    const c = obj(e.value) ?? {};
    const about = typeof c.subject === 'string' && c.subject.startsWith('timeline.') ? facts.eventTitle(c.subject.slice('timeline.'.length)) : undefined;
    return `added${about ? ` on ${about}` : ''}: “${typeof c.text === 'string' ? c.text.slice(0, 80) : ''}”`;
  }
  if (e.root === 'vendors' && e.field === '' && e.change === 'removed') {
    // `merged into Lens & Light`, `removed`: what the wedding recorded of its leaving (schema/document/vendor-removals.ts).
    const how = facts.formerVendor?.(e.entityId)?.how;
    if (how) return how;
  }
  if (e.field === '') return e.change === 'added' ? 'added' : e.change === 'removed' ? 'deleted' : 'replaced';
  if (e.root === 'conflicts' && e.field === 'status') return e.value === 'resolved' ? 'resolved' : `status ${valueWords(e.root, e.entityId, 'status', e.value, facts)}`;
  if (e.root === 'guests' && GUEST_LABELS[e.field]) return changed(GUEST_LABELS[e.field]!, e, e.field, facts);
  if (e.root === 'notes') return changed(e.field === 'couple' ? 'the couple’s notes' : e.field === 'planner' ? 'the planners’ notes' : 'notes', e, 'notes', facts);
  const [head, ...rest] = e.field.split('.');
  // A map keyed by ids (a guest diet, a link) names the key, never shows it.
  if (rest.length && rest.some((k) => INTERNAL_ID.test(k.split('/')[0]!))) return changed(`${fieldLabel(head!)} of ${rest.map((k) => idWords(k.split('/')[0]!, facts)).join(' ')}`, e, head!, facts);
  return changed(e.field.split('.').map((k) => labelOf(k, facts)).join(' '), e, e.field, facts);
}
