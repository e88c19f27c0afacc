// A restore preview's changed entry in words, with what each field is now and what the snapshot
// puts back (tests/planner-app/restore-words.test.ts). Pure.

import type { FieldChange, RestoreSection } from '../../../sdk/index.ts';
import type { EventFacts } from '../conflicts/conflict-words.ts';
import { fieldLabel, valueWords, type WeddingFacts } from '../conflicts/value-words.ts';

/** Text a person typed is quoted; dates, times, choices and zones are our own words, not quoted. */
const PLAIN = /^\d{4}-\d{2}-\d{2}/;
const CHOICES = new Set(['category', 'status', 'milestone', 'processor', 'timezone', 'currency']);

/** The sections that are one record (no entity label before the fields). */
const SINGLE_RECORD: ReadonlySet<RestoreSection> = new Set(['meta', 'guests']);

/**
 * `Ceremony — location from “Old Mill” to “Kew Barn”; start from 14:30 to 14:00`: each field's
 * current value, then the snapshot's, in the wedding's words (times in its zone, vendors by name).
 */
export function changedWords(section: RestoreSection, entry: { id: string; label: string; fields: FieldChange[] }, facts: WeddingFacts): string {
  const quoted = (field: string, value: unknown) => {
    const words = valueWords(section, entry.id, field, value, facts);
    return typeof value === 'string' && words !== 'nothing' && !PLAIN.test(value) && !CHOICES.has(field) ? `“${words}”` : words;
  };
  const fields = entry.fields.map((f) => `${fieldLabel(f.field)} from ${quoted(f.field, f.from)} to ${quoted(f.field, f.to)}`).join('; ');
  return SINGLE_RECORD.has(section) ? fields : `${entry.label} — ${fields}`;
}

/**
 * An entry's name: the server's label (a title or name), except a payment, which has none and is
 * named from the wedding ("DJ Sam’s deposit payment (£400.00)") rather than by its id.
 */
export function entryName(section: RestoreSection, entry: { id: string; label: string }, facts: EventFacts): string {
  if (section !== 'payments') return entry.label;
  return facts.paymentWords(entry.id) ?? (entry.label === entry.id ? 'a payment' : entry.label);
}
