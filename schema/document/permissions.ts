import * as Y from 'yjs';
import type { Role } from '../api/auth.ts';
import { CONTRIBUTION_ROOTS } from './contributions.ts';
import { ROOT } from './roots.ts';

/**
 * Who may write which part of a wedding, as one table. The server enforces it on every incoming
 * update (server/collab/update-permissions.ts) and HTTP write; the SDK and the app read it to grey
 * out what a person cannot edit. Rules are keyed by the name of a root shared type and a path below
 * it, never by the layout of one Y.Doc, so they still hold when a wedding is split into several
 * documents by audience.
 *
 * A path pattern is dot-separated segments: a literal key, `*` (any one key), `**` (anything below,
 * including nothing) or `{vendorId}` (the writer's own vendor id, from its token). Elements of a
 * list or characters of a text are addressed by the list's or text's own path. Writing a path
 * covers setting it, creating it, deleting it and everything inside it.
 *
 * Conditions (all must hold) look at the document as the server has it:
 * - `assigned`: the first segment is a timeline event whose `vendorIds` lists the writer's vendor id;
 * - `ownPayment`: the first segment is a payment whose `vendorId` is the writer's vendor id;
 * - `authored`: the first segment is an entity whose `authorId` is the writer's token subject, as
 *   the update leaves it (so a new comment must name its writer as author, and nobody can take over
 *   another's);
 * - `absent`: the key at the end of the path does not exist yet (it may be created, not replaced).
 */
export const WRITE_CONDITIONS = ['assigned', 'ownPayment', 'authored', 'absent'] as const;
export type WriteCondition = (typeof WRITE_CONDITIONS)[number];

export interface WriteRule {
  root: string;
  path: string;
  when?: readonly WriteCondition[];
}

/** `all`: every path of every root. */
export type RoleRules = 'all' | readonly WriteRule[];

const vendorRecord = ['name', 'email', 'phone', 'preferredChannels', 'status', 'notes'].map((field): WriteRule => ({ root: ROOT.vendors, path: `{vendorId}.${field}` }));
const authored = (root: string): WriteRule[] => [{ root, path: '*', when: ['authored'] }, { root, path: '*.**', when: ['authored'] }];
const proposalFields = ['id', 'authorId', 'eventId', 'changes', 'note', 'createdAt'].map((field): WriteRule => ({ root: CONTRIBUTION_ROOTS.proposals, path: `*.${field}`, when: ['authored'] }));

export const WRITE_RULES: Readonly<Record<Role, RoleRules>> = {
  admin: 'all',
  planner: 'all',
  // Adapters stand in for external systems; what each may change is checked by inbound rights.
  adapter: 'all',
  vendor: [
    ...vendorRecord,
    { root: ROOT.timeline, path: '*.crew', when: ['assigned', 'absent'] },
    { root: ROOT.timeline, path: '*.crew.{vendorId}.**', when: ['assigned'] },
    { root: ROOT.payments, path: '*.invoiceRef', when: ['ownPayment'] },
    ...authored(CONTRIBUTION_ROOTS.comments),
  ],
  couple: [
    { root: ROOT.guests, path: '**' },
    { root: CONTRIBUTION_ROOTS.notes, path: 'couple.**' },
    ...authored(CONTRIBUTION_ROOTS.comments),
    // A couple proposes (and may withdraw) a change; only planners set its status.
    { root: CONTRIBUTION_ROOTS.proposals, path: '*', when: ['authored'] },
    ...proposalFields,
  ],
  viewer: [],
};

export interface Writer {
  role: Role;
  /** The token subject. */
  sub: string;
  vendorId?: string | undefined;
}

/** What conditions read from the document. */
export interface WriteFacts {
  eventVendorIds(eventId: string): readonly string[];
  paymentVendorId(paymentId: string): string | undefined;
  authorOf(root: string, key: string): string | undefined;
  /** Whether `path` below `root` holds a value now. */
  exists(root: string, path: readonly string[]): boolean;
}

/** True when the role may write everything (no per-path check needed). */
export function writesEverything(role: Role): boolean {
  return WRITE_RULES[role] === 'all';
}

/** True when the role may write nothing at all. */
export function writesNothing(role: Role): boolean {
  const rules = WRITE_RULES[role];
  return rules !== 'all' && rules.length === 0;
}

/** Whether `writer` may write `path` (segments below `root`). */
export function mayWrite(writer: Writer, root: string, path: readonly string[], facts: WriteFacts): boolean {
  const rules = WRITE_RULES[writer.role];
  if (rules === 'all') return true;
  for (const rule of rules) {
    if (rule.root !== root || !matches(patternOf(rule.path), path, writer)) continue;
    if ((rule.when ?? []).every((c) => holds(c, writer, root, path, facts))) return true;
  }
  return false;
}

const patterns = new Map<string, string[]>();
function patternOf(path: string): string[] {
  let p = patterns.get(path);
  if (!p) patterns.set(path, (p = path.split('.')));
  return p;
}

function matches(pattern: readonly string[], path: readonly string[], writer: Writer): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const seg = pattern[i]!;
    if (seg === '**') return true;
    if (i >= path.length) return false;
    if (seg === '*') continue;
    if (seg === '{vendorId}') {
      if (!writer.vendorId || path[i] !== writer.vendorId) return false;
      continue;
    }
    if (seg !== path[i]) return false;
  }
  return pattern.length === path.length;
}

function holds(condition: WriteCondition, writer: Writer, root: string, path: readonly string[], facts: WriteFacts): boolean {
  const key = path[0];
  if (key === undefined) return false;
  switch (condition) {
    case 'assigned':
      return !!writer.vendorId && facts.eventVendorIds(key).includes(writer.vendorId);
    case 'ownPayment':
      return !!writer.vendorId && facts.paymentVendorId(key) === writer.vendorId;
    case 'authored':
      return facts.authorOf(root, key) === writer.sub;
    case 'absent':
      return !facts.exists(root, path);
    default: {
      const never: never = condition;
      return never;
    }
  }
}

/** Facts read from a Y.Doc as it is (clients: to grey out what cannot be edited). */
export function documentFacts(doc: Y.Doc): WriteFacts {
  const entity = (root: string, key: string) => {
    const m = doc.getMap<unknown>(root).get(key);
    return m instanceof Y.Map ? (m as Y.Map<unknown>) : undefined;
  };
  return {
    eventVendorIds(eventId) {
      const ids = entity(ROOT.timeline, eventId)?.get('vendorIds');
      return ids instanceof Y.Array ? (ids.toArray() as string[]) : [];
    },
    paymentVendorId(paymentId) {
      const v = entity(ROOT.payments, paymentId)?.get('vendorId');
      return typeof v === 'string' ? v : undefined;
    },
    authorOf(root, key) {
      const v = entity(root, key)?.get('authorId');
      return typeof v === 'string' ? v : undefined;
    },
    exists(root, path) {
      let node: unknown = doc.share.has(root) ? doc.getMap<unknown>(root) : undefined;
      for (const key of path) {
        if (!(node instanceof Y.Map)) return false;
        if (!node.has(key)) return false;
        node = node.get(key);
      }
      return node !== undefined;
    },
  };
}

/** Whether `writer` may edit `path` of the wedding in `doc` now (for greying out fields). */
export function canEdit(doc: Y.Doc, writer: Writer, root: string, path: readonly string[]): boolean {
  return mayWrite(writer, root, path, documentFacts(doc));
}
