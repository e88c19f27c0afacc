import * as Y from 'yjs';
import { z } from 'zod';
import { CrewEntry, EntityId, IsoDateTime, TimelineEventPatch } from './entities.ts';
import { parseOrThrow, SchemaError } from '../errors.ts';
import type { TxOrigin } from './origins.ts';
import { ownValue } from '../own-keys.ts';
import { VisibleText, hasVisibleText } from './visible-text.ts';

/**
 * What people other than planners add to a wedding, each in a place of its own so that the write
 * permissions (permissions.ts) can name it by path:
 * - `timeline.<eventId>.crew.<vendorId>`: an assigned vendor's arrival, notes and confirmation;
 * - `comments.<commentId>`: comments by anyone who may write (each written by its author, or by a
 *   planner or admin, who write everything);
 * - `proposals.<proposalId>`: timeline changes a couple proposes and a planner accepts or declines;
 * - `notes.couple` / `notes.planner`: each audience's own free-text notes (Y.Text).
 */
export const CONTRIBUTION_ROOTS = { comments: 'comments', proposals: 'proposals', notes: 'notes' } as const;

const Author = z.string().min(1).max(128);

export const Comment = z.object({
  id: EntityId,
  /** The token subject of the writer: a comment is written (and edited, deleted) only by its author. */
  authorId: Author,
  /** What it is about, as a document path, e.g. `timeline.e1`; `""` for the wedding as a whole. */
  subject: z.string().max(200),
  text: z.string().max(4000).refine(hasVisibleText, { message: 'must contain a visible character' }),
  at: IsoDateTime,
}).strict();
export type Comment = z.infer<typeof Comment>;

/** The fields of an event a proposal may change. */
export const ProposedChanges = z.object({
  title: VisibleText(200),
  start: IsoDateTime,
  end: IsoDateTime,
  location: z.string().max(300),
}).partial().strict();
export type ProposedChanges = z.infer<typeof ProposedChanges>;

export const PROPOSAL_STATUSES = ['pending', 'accepted', 'declined'] as const;

export const Proposal = z.object({
  id: EntityId,
  authorId: Author,
  eventId: EntityId,
  changes: ProposedChanges,
  note: z.string().max(2000),
  createdAt: IsoDateTime,
  /** Absent (pending) until a planner decides; only planners write it. */
  status: z.enum(PROPOSAL_STATUSES).optional(),
  decidedBy: Author.optional(),
  decidedAt: IsoDateTime.optional(),
  /**
   * Set on deciding (accepting or declining): the event's values the changes would replace at that
   * moment, so a decided proposal keeps reading "15:30 → 16:00" and a declined one never reads as
   * the current schedule. Absent on proposals decided before declines kept it, and on a decline of
   * an event that was removed.
   */
  before: ProposedChanges.optional(),
}).strict();
export type Proposal = z.infer<typeof Proposal> & { status: (typeof PROPOSAL_STATUSES)[number] };

export const NOTE_AUDIENCES = ['couple', 'planner'] as const;
export type NoteAudience = (typeof NOTE_AUDIENCES)[number];

const now = () => new Date().toISOString();

function entityMap(doc: Y.Doc, root: string, id: string): Y.Map<unknown> {
  const parent = doc.getMap<Y.Map<unknown>>(root);
  let m = parent.get(id);
  if (!(m instanceof Y.Map)) parent.set(id, (m = new Y.Map<unknown>()));
  return m;
}

/** The crew entries of an event: vendorId → its arrival, notes, confirmation. */
export function crewOf(doc: Y.Doc, eventId: string): Record<string, CrewEntry> {
  const crew = doc.getMap<Y.Map<unknown>>('timeline').get(eventId)?.get('crew');
  return crew instanceof Y.Map ? (crew.toJSON() as Record<string, CrewEntry>) : {};
}

/**
 * Sets a vendor's own fields on an event it is assigned to. The `crew` map is created with the
 * event's first entry if the event has none (a vendor may create it, not replace it).
 * @throws SchemaError when the patch is invalid or the event does not exist.
 */
export function setCrew(doc: Y.Doc, eventId: string, vendorId: string, patch: CrewEntry, origin?: TxOrigin): CrewEntry {
  const valid = parseOrThrow(CrewEntry, patch, 'crew entry');
  parseOrThrow(EntityId, vendorId, 'vendor id');
  const event = doc.getMap<Y.Map<unknown>>('timeline').get(eventId);
  if (!(event instanceof Y.Map)) throw new SchemaError('not_found', `wedding has no event ${eventId}`, []);
  doc.transact(() => {
    let crew = event.get('crew');
    if (!(crew instanceof Y.Map)) event.set('crew', (crew = new Y.Map<unknown>()));
    const crewMap = crew as Y.Map<Y.Map<unknown>>;
    let entry = crewMap.get(vendorId);
    if (!(entry instanceof Y.Map)) crewMap.set(vendorId, (entry = new Y.Map<unknown>()));
    for (const [k, v] of Object.entries(valid)) if (v !== undefined && entry.get(k) !== v) entry.set(k, v);
  }, origin);
  return ownValue(crewOf(doc, eventId), vendorId) ?? {};
}

export function listComments(doc: Y.Doc): Comment[] {
  return [...doc.getMap<Y.Map<unknown>>(CONTRIBUTION_ROOTS.comments).values()]
    .filter((m): m is Y.Map<unknown> => m instanceof Y.Map)
    .map((m) => m.toJSON() as Comment)
    .sort((a, b) => a.at.localeCompare(b.at));
}

export function addComment(doc: Y.Doc, input: Omit<Comment, 'at'> & { at?: string }, origin?: TxOrigin): Comment {
  const comment = parseOrThrow(Comment, { ...input, at: input.at ?? now() }, 'comment');
  doc.transact(() => {
    const m = entityMap(doc, CONTRIBUTION_ROOTS.comments, comment.id);
    for (const [k, v] of Object.entries(comment)) m.set(k, v);
  }, origin);
  return comment;
}

/** Deletes a comment (the server lets its author do so, and planners and admins: permissions.ts). False when there is none. */
export function deleteComment(doc: Y.Doc, id: string, origin?: TxOrigin): boolean {
  const comments = doc.getMap<unknown>(CONTRIBUTION_ROOTS.comments);
  if (!comments.has(id)) return false;
  doc.transact(() => comments.delete(id), origin);
  return true;
}

export function listProposals(doc: Y.Doc): Proposal[] {
  return [...doc.getMap<Y.Map<unknown>>(CONTRIBUTION_ROOTS.proposals).values()]
    .filter((m): m is Y.Map<unknown> => m instanceof Y.Map)
    .map((m) => ({ status: 'pending', ...(m.toJSON() as object) }) as Proposal);
}

export function getProposal(doc: Y.Doc, id: string): Proposal | undefined {
  const m = doc.getMap<Y.Map<unknown>>(CONTRIBUTION_ROOTS.proposals).get(id);
  return m instanceof Y.Map ? ({ status: 'pending', ...(m.toJSON() as object) } as Proposal) : undefined;
}

/** A couple proposes changes to an event; nothing changes on the timeline until a planner accepts. */
export function proposeChange(doc: Y.Doc, input: { id: string; authorId: string; eventId: string; changes: ProposedChanges; note?: string; createdAt?: string }, origin?: TxOrigin): Proposal {
  const proposal = parseOrThrow(Proposal, { note: '', createdAt: now(), ...input }, 'proposal');
  doc.transact(() => {
    const m = entityMap(doc, CONTRIBUTION_ROOTS.proposals, proposal.id);
    for (const [k, v] of Object.entries(proposal)) m.set(k, v);
  }, origin);
  return { ...proposal, status: 'pending' };
}

/**
 * A planner accepts (the changes are applied to the event, checked as any event write) or declines
 * (only the proposal is marked) a pending proposal. Either way the proposal keeps `before`, the
 * event's values the changes were proposed against.
 * @throws SchemaError `not_found` for an unknown proposal or event, `validation_failed` when it was already decided,
 *   or the event's own validation error when the changes no longer fit the event (e.g. end before start).
 */
export function decideProposal(doc: Y.Doc, id: string, decision: 'accepted' | 'declined', decidedBy: string, origin?: TxOrigin): Proposal {
  const proposal = getProposal(doc, id);
  if (!proposal) throw new SchemaError('not_found', `wedding has no proposal ${id}`, []);
  if (proposal.status !== 'pending') throw new SchemaError('validation_failed', `proposal ${id} was already ${proposal.status}`, []);
  const event = doc.getMap<Y.Map<unknown>>('timeline').get(proposal.eventId);
  if (decision === 'accepted' && !(event instanceof Y.Map)) throw new SchemaError('not_found', `wedding has no event ${proposal.eventId}`, []);
  if (decision === 'accepted') {
    const current = event!.toJSON() as Record<string, unknown>;
    parseOrThrow(TimelineEventPatch, { id: proposal.eventId, start: current.start, end: current.end, ...proposal.changes }, 'timeline event');
  }
  const decidedAt = now();
  doc.transact(() => {
    const m = doc.getMap<Y.Map<unknown>>(CONTRIBUTION_ROOTS.proposals).get(id)!;
    if (event instanceof Y.Map) {
      const before: Record<string, unknown> = {};
      for (const k of Object.keys(proposal.changes)) {
        const v = event.get(k);
        if (typeof v === 'string') before[k] = v;
      }
      m.set('before', before);
    }
    if (decision === 'accepted') for (const [k, v] of Object.entries(proposal.changes)) if (v !== undefined) event!.set(k, v);
    m.set('status', decision);
    m.set('decidedBy', decidedBy);
    m.set('decidedAt', decidedAt);
  }, origin);
  return { ...proposal, status: decision, decidedBy, decidedAt };
}

/** An audience's notes as a Y.Text (created on first use), for editors that bind to it. */
export function notesText(doc: Y.Doc, audience: NoteAudience): Y.Text {
  const notes = doc.getMap<unknown>(CONTRIBUTION_ROOTS.notes);
  const existing = notes.get(audience);
  if (existing instanceof Y.Text) return existing;
  const text = new Y.Text();
  notes.set(audience, text);
  return text;
}
