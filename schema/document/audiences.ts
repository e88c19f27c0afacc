import type { Role } from '../api/auth.ts';
import { CONTRIBUTION_ROOTS } from './contributions.ts';
import { documentNameFor, isWeddingId } from './names.ts';
import { RESTORES_ROOT } from './restore-notice.ts';
import { ROOT } from './roots.ts';
import { VENDOR_REMOVALS_ROOT } from './vendor-removals.ts';

/**
 * Who receives which part of a wedding (issue 11, item 5). A wedding is one Yjs history, served to
 * each audience as its own document:
 *
 * | document name                  | who may open it                                   | what it holds |
 * |--------------------------------|---------------------------------------------------|---------------|
 * | `wedding:<id>`                 | every participant                                 | planners: the whole wedding (as before); everyone else: the shared schedule |
 * | `wedding:<id>/schedule`        | every participant                                 | the shared schedule |
 * | `wedding:<id>/planning`        | planners, admins, adapters                        | the whole wedding |
 * | `wedding:<id>/couple`          | the couple, planners, admins, adapters            | the schedule plus what the couple works on |
 * | `wedding:<id>/vendor:<vid>`    | the vendor bound to `<vid>`, planners, admins, adapters | the schedule plus that vendor's own record, payments and crew notes |
 *
 * The shared schedule is `meta`, `timeline` (without vendors' crew notes), `comments`, restore
 * notices, and each vendor's `id`, `name` and `category` (who is on an event), with the names of
 * vendors merged or removed (`vendorRemovals`). Each audience
 * document contains the schedule, so a client opens exactly one document and reads it with
 * WeddingDoc as before.
 *
 * Every audience document is the same Yjs history with what the audience may not see emptied: an
 * operation outside the audience arrives with its id, origins, parent and map key but no content
 * (Yjs' ContentDeleted, what garbage collection leaves of a deleted item), so it reads as deleted.
 * State vectors, acknowledgements and offline merging work unchanged, and no value, character or
 * nested entry of a hidden part is ever sent (server/collab/audience-filter.ts).
 *
 * Rules are paths below a root shared type, with the same pattern language as the write rules
 * (permissions.ts): literal keys, `*` (one key), `**` (anything below), `{vendorId}` (the
 * audience's vendor). A path is visible when a rule matches it, or when it lies on the way to one
 * (the map of `vendors.v1` is visible because `vendors.v1.name` is). List elements and characters
 * take the path of their list or text.
 *
 * Conditions:
 * - `ownPayment`: the first key is a payment whose `vendorId` is the audience's vendor.
 *   Visibility follows the payment as it is when each operation is sent: a payment moved to another
 *   vendor stays with what the first vendor already received, and the second vendor receives only
 *   changes made after the move (docs/audiences.md).
 */
/** What one connection receives: an audience, or `full` (the whole wedding). */
export type View =
  | { kind: 'full' }
  | { kind: 'schedule' }
  | { kind: 'couple' }
  | { kind: 'vendor'; vendorId: string };

export interface ReadRule {
  root: string;
  path: string;
  /** The one condition there is (see the header). */
  when?: 'ownPayment';
}

const VENDOR_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

/** Everything of each root. */
const whole = (...roots: string[]): ReadRule[] => roots.map((root) => ({ root, path: '**' }));
/** Fields (paths below each entity of a map of entities) of one root. */
const fields = (root: string, ...paths: string[]): ReadRule[] => paths.map((path) => ({ root, path: `*.${path}` }));

const SCHEDULE: readonly ReadRule[] = [
  // The names of vendors merged or removed: the schedule named them while they were here.
  ...whole(ROOT.meta, CONTRIBUTION_ROOTS.comments, RESTORES_ROOT, VENDOR_REMOVALS_ROOT),
  // Every field of an event (its values, the vendorIds list, the notes text, the links and crew
  // maps), and of each crew entry its arrival and confirmation but not its notes.
  ...fields(ROOT.timeline, '*', 'links.*', 'crew.*.arrival', 'crew.*.confirmed'),
  ...fields(ROOT.vendors, 'id', 'name', 'category'),
];

export const READ_RULES: Readonly<Record<View['kind'], 'all' | readonly ReadRule[]>> = {
  full: 'all',
  schedule: SCHEDULE,
  couple: [
    ...SCHEDULE,
    // Vendors' contact details, not their internal notes or system links.
    ...fields(ROOT.vendors, 'email', 'phone', 'preferredChannels', 'status'),
    ...whole(ROOT.guests, ROOT.contacts, ROOT.payments, ROOT.budget, CONTRIBUTION_ROOTS.proposals),
    { root: CONTRIBUTION_ROOTS.notes, path: 'couple.**' },
  ],
  vendor: [
    ...SCHEDULE,
    { root: ROOT.vendors, path: '{vendorId}.**' },
    { root: ROOT.timeline, path: '*.crew.{vendorId}.**' },
    { root: ROOT.payments, path: '*.**', when: 'ownPayment' },
    // Counts only (how many guests, how many vegetarians): a caterer plans with them.
    ...whole(ROOT.guests),
  ],
};

/** Facts the `ownPayment` condition reads from the server's document. */
export interface ReadFacts {
  paymentVendorId(paymentId: string): string | undefined;
}

/**
 * Whether `view` shows `path` (keys below `root`). A path on the way to a visible one is visible
 * (it is a container and holds nothing itself).
 */
export function mayRead(view: View, root: string, path: readonly string[], facts: ReadFacts): boolean {
  const rules = READ_RULES[view.kind];
  if (rules === 'all') return true;
  const vendorId = view.kind === 'vendor' ? view.vendorId : undefined;
  for (const rule of rules) {
    if (rule.root !== root || !covers(patternOf(rule.path), path, vendorId)) continue;
    if (!rule.when) return true;
    const key = path[0];
    if (key === undefined) return true; // the root itself
    if (vendorId !== undefined && facts.paymentVendorId(key) === vendorId) return true;
  }
  return false;
}

/** True when the view shows everything (no filtering needed). */
export function showsEverything(view: View): boolean {
  return READ_RULES[view.kind] === 'all';
}

const patterns = new Map<string, string[]>();
function patternOf(path: string): string[] {
  let p = patterns.get(path);
  if (!p) patterns.set(path, (p = path.split('.')));
  return p;
}

/** Whether `pattern` matches `path`, or `path` is a prefix of what it matches. */
function covers(pattern: readonly string[], path: readonly string[], vendorId: string | undefined): boolean {
  for (let i = 0; i < path.length; i++) {
    if (i >= pattern.length) return false;
    const seg = pattern[i]!;
    if (seg === '**') return true;
    if (seg === '*') continue;
    if (seg === '{vendorId}') {
      if (vendorId === undefined || path[i] !== vendorId) return false;
      continue;
    }
    if (seg !== path[i]) return false;
  }
  return true;
}

// ── document names ────────────────────────────────────────────────────────────────────────────

/** A part of a wedding as a client names it: `null` is plain `wedding:<id>`. */
export type Part = null | { kind: 'schedule' | 'planning' | 'couple' } | { kind: 'vendor'; vendorId: string };

/** Splits a client's document name into its wedding id and part, or null when it names no wedding part. */
export function parseDocumentName(name: string): { weddingId: string; part: Part } | null {
  if (!name.startsWith('wedding:')) return null;
  const rest = name.slice('wedding:'.length);
  const slash = rest.indexOf('/');
  const weddingId = slash === -1 ? rest : rest.slice(0, slash);
  if (!isWeddingId(weddingId)) return null;
  if (slash === -1) return { weddingId, part: null };
  const part = rest.slice(slash + 1);
  if (part === 'schedule' || part === 'planning' || part === 'couple') return { weddingId, part: { kind: part } };
  if (part.startsWith('vendor:') && VENDOR_ID.test(part.slice('vendor:'.length))) return { weddingId, part: { kind: 'vendor', vendorId: part.slice('vendor:'.length) } };
  return null;
}

/** The client's document name of a part: `wedding:<id>`, `wedding:<id>/planning`, `wedding:<id>/vendor:<vid>`… */
export function partDocumentName(weddingId: string, part: Part): string {
  const base = documentNameFor(weddingId);
  if (part === null) return base;
  return part.kind === 'vendor' ? `${base}/vendor:${part.vendorId}` : `${base}/${part.kind}`;
}

const FULL_ROLES: readonly Role[] = ['admin', 'planner', 'adapter'];

/**
 * What a participant with `role` (and, for vendors, its vendor entry) receives from `part`, or
 * null when the part is not theirs to open.
 */
export function viewOf(role: Role, vendorId: string | undefined, part: Part): View | null {
  const full = FULL_ROLES.includes(role);
  if (part === null) return full ? { kind: 'full' } : { kind: 'schedule' };
  switch (part.kind) {
    case 'schedule':
      return { kind: 'schedule' };
    case 'planning':
      return full ? { kind: 'full' } : null;
    case 'couple':
      return full || role === 'couple' ? { kind: 'couple' } : null;
    case 'vendor':
      return full || (role === 'vendor' && vendorId === part.vendorId) ? { kind: 'vendor', vendorId: part.vendorId } : null;
    default: {
      const never: never = part;
      return never;
    }
  }
}

/** The part a participant's client should open to receive everything that is theirs to see. */
export function ownPart(role: Role, vendorId: string | undefined): Part {
  if (FULL_ROLES.includes(role)) return null;
  if (role === 'couple') return { kind: 'couple' };
  if (role === 'vendor' && vendorId) return { kind: 'vendor', vendorId };
  return null;
}
