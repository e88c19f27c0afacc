import type { z } from 'zod';
import {
  BudgetSummary, Conflict, Contact, CrewEntry, GuestsPatch, Message, Payment, StoredTimelineEvent, StoredTimelineEventPatch, Task, Vendor,
  WeddingMetaPatch,
} from './entities.ts';
import { CONTRIBUTION_ROOTS, Comment, Proposal } from './contributions.ts';
import { RESTORES_ROOT, RestoreNotice } from './restore-notice.ts';
import { CONTACT_REMOVALS_ROOT, ContactRemoval } from './contact-removals.ts';
import { VENDOR_REMOVALS_ROOT, VendorRemoval } from './vendor-removals.ts';
import { ROOT } from './roots.ts';

/**
 * The shape of the wedding's Y.Doc as data: which shared type or value sits where, and which zod
 * schema an entity must satisfy. WeddingDoc writes this shape; the server checks every incoming
 * update against it (server/collab/update-check.ts) before it is applied.
 *
 * - `value`: a plain JSON value (Yjs ContentAny), checked with `schema` if given, and as part of its entity.
 * - `map`: a Y.Map. `fields` names the keys it may have; `entries` is the slot of every key of a
 *   map keyed by ids, whose keys must match `key`.
 * - `array`: a Y.Array whose elements all fill `items`.
 * - `text`: a Y.Text of plain characters, at most `maxLength` UTF-16 code units.
 * A slot with `entity` is one entity: after an update, its JSON (Y.Text as a string, Y.Array as an
 * array, Y.Map as an object) must parse with that schema. An entity may arrive over several updates
 * (an SDK splits a large offline backlog), so a required field may be missing until it comes; then
 * what is there must parse with `draft` (the same fields, all optional, with the same checks across
 * fields, e.g. an end not before the start), because zod skips an object's cross-field checks while
 * a field is missing.
 */
export type Slot =
  | { kind: 'value'; schema?: z.ZodType }
  | { kind: 'map'; entity?: z.ZodType; draft?: z.ZodType; fields?: Readonly<Record<string, Slot>>; entries?: Slot; key?: RegExp }
  | { kind: 'array'; items: Slot }
  | { kind: 'text'; maxLength: number };

const VALUE: Slot = { kind: 'value' };
const VALUES: Slot = { kind: 'map', entries: VALUE };
/** EntityId (entities.ts): the keys of the maps of entities. */
const ENTITY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

function fieldsOf(schema: z.ZodType, overrides: Record<string, Slot> = {}): Record<string, Slot> {
  const shape = (schema as unknown as { shape: Record<string, unknown> }).shape;
  return { ...Object.fromEntries(Object.keys(shape).map((k) => [k, VALUE])), ...overrides };
}

function entities(schema: z.ZodType, overrides: Record<string, Slot> = {}, draft?: z.ZodType): Slot {
  return { kind: 'map', key: ENTITY_KEY, entries: { kind: 'map', entity: schema, ...(draft ? { draft } : {}), fields: fieldsOf(schema, overrides) } };
}

/** The longest event notes, in UTF-16 code units (TimelineEvent's `notes`). */
export const MAX_NOTES_LENGTH = 20_000;

export const LAYOUT: Readonly<Record<string, Slot>> = {
  [ROOT.meta]: { kind: 'map', entity: WeddingMetaPatch, fields: fieldsOf(WeddingMetaPatch) },
  [ROOT.timeline]: entities(StoredTimelineEvent, {
    vendorIds: { kind: 'array', items: VALUE },
    notes: { kind: 'text', maxLength: MAX_NOTES_LENGTH },
    links: VALUES,
    crew: { kind: 'map', key: ENTITY_KEY, entries: { kind: 'map', fields: fieldsOf(CrewEntry) } },
  }, StoredTimelineEventPatch),
  [ROOT.vendors]: entities(Vendor, { links: VALUES }),
  [ROOT.guests]: { kind: 'map', entity: GuestsPatch, fields: fieldsOf(GuestsPatch, { dietary: VALUES }) },
  [ROOT.payments]: entities(Payment, { links: VALUES }),
  [ROOT.messages]: { kind: 'array', items: { kind: 'map', entity: Message, fields: fieldsOf(Message, { acks: VALUES, deliveries: VALUES }) } },
  [ROOT.conflicts]: { kind: 'array', items: { kind: 'map', entity: Conflict, fields: fieldsOf(Conflict) } },
  [ROOT.contacts]: entities(Contact),
  [ROOT.tasks]: entities(Task),
  [ROOT.budget]: { kind: 'map', entity: BudgetSummary.partial(), fields: fieldsOf(BudgetSummary) },
  [CONTRIBUTION_ROOTS.comments]: entities(Comment),
  [CONTRIBUTION_ROOTS.proposals]: entities(Proposal),
  [CONTRIBUTION_ROOTS.notes]: { kind: 'map', fields: { couple: { kind: 'text', maxLength: MAX_NOTES_LENGTH }, planner: { kind: 'text', maxLength: MAX_NOTES_LENGTH } } },
  [RESTORES_ROOT]: { kind: 'map', entries: { kind: 'value', schema: RestoreNotice } },
  [CONTACT_REMOVALS_ROOT]: { kind: 'map', key: ENTITY_KEY, entries: { kind: 'value', schema: ContactRemoval } },
  [VENDOR_REMOVALS_ROOT]: { kind: 'map', key: ENTITY_KEY, entries: { kind: 'value', schema: VendorRemoval } },
};
