import type { ActivityActor, ActivityEntry } from '../../schema/api/activity.ts';
import type { TxOrigin } from '../../schema/index.ts';
import type { FieldChange } from './field-changes.ts';
import { storableText } from '../storage/storable-text.ts';

/**
 * Values longer than this (in characters of their JSON) are clipped: a string keeps its first
 * characters, any other value is replaced by the start of its JSON text, as a string. The row says so.
 * @default 2000: enough for any field of the schema but notes and message bodies.
 */
export const MAX_VALUE_CHARS = 2000;

/**
 * Consecutive edits of one text field (a Y.Text: event notes) by the same actor within this many ms
 * of the entry's last edit are one entry: typing is one change per burst, not one per keystroke.
 * The entry keeps the text before the burst as `previous` and takes the newest text, time and seq.
 * @default 60 000 (a minute)
 */
export const TEXT_BURST_MS = 60_000;

/** `clipped` bits: the previous value was clipped, the new value was. */
export const CLIPPED_PREVIOUS = 1;
export const CLIPPED_VALUE = 2;

/** Filters and page of `list`. `before` is the cursor: the `id` of the last entry of the previous page. */
export interface ActivityQuery {
  root?: string;
  entityId?: string;
  field?: string;
  actor?: string;
  before?: number;
  limit: number;
}

/** An `activity` row as both backends return it (PostgreSQL's bigints read as numbers). */
export interface Row {
  id: number; update_seq: number; at: number; root: string; entity_id: string; field: string;
  previous: string | null; value: string | null; clipped: number;
  actor_kind: ActivityActor['kind']; actor_id: string; actor_name: string | null; actor_role: string | null; actor_system: string | null; actor_action: string | null;
}

/** JSON text of a value for the activity table, clipped to MAX_VALUE_CHARS. */
export function stored(value: unknown): { json: string | null; clipped: boolean } {
  if (value === undefined) return { json: null, clipped: false };
  const json = JSON.stringify(value);
  if (json.length <= MAX_VALUE_CHARS) return { json, clipped: false };
  return { json: JSON.stringify(typeof value === 'string' ? value.slice(0, MAX_VALUE_CHARS) : json.slice(0, MAX_VALUE_CHARS)), clipped: true };
}

type Stored = ReturnType<typeof stored>;

/** Whether recording `c` (`value` = stored(c.value)) must first read its field's last entry: an edit of a text field may extend a burst of typing. */
export function mayExtendBurst(c: FieldChange, value: Stored): boolean {
  return c.text === true && value.json !== null;
}

/**
 * The columns root, entity_id, field, previous, value and clipped of a new row for `c`, as both
 * backends store them (`value` = stored(c.value), which the caller already has for the burst check).
 */
export function newRowColumns(c: FieldChange, value: Stored): [string, string, string, string | null, string | null, number] {
  const previous = stored(c.previous);
  const clipped = (previous.clipped ? CLIPPED_PREVIOUS : 0) | (value.clipped ? CLIPPED_VALUE : 0);
  return [storableText(c.root), storableText(c.entityId), storableText(c.field), previous.json, value.json, clipped];
}

/** The text filters of `q` as the rows store them (storableText), so a filter finds what was written. */
export function storableQuery(q: ActivityQuery): ActivityQuery {
  const text = (v: string | undefined) => (v === undefined ? undefined : storableText(v));
  return { ...q, root: text(q.root), entityId: text(q.entityId), field: text(q.field), actor: text(q.actor) };
}

const storableOrNull = (text: string | null): string | null => (text === null ? null : storableText(text));

/** The actor columns of `origin`, storable (storableText). */
export function actorColumns(origin: TxOrigin): [string, string, string | null, string | null, string | null, string | null] {
  const [kind, id, name, role, system, action] = actorOf(origin);
  return [kind, storableText(id), storableOrNull(name), storableOrNull(role), storableOrNull(system), storableOrNull(action)];
}

function actorOf(origin: TxOrigin): [string, string, string | null, string | null, string | null, string | null] {
  switch (origin.kind) {
    case 'client': return ['client', origin.userId, origin.name ?? null, origin.role ?? null, null, null];
    case 'adapter': return ['adapter', origin.integrationId, null, 'adapter', origin.system, null];
    case 'admin': return ['admin', origin.userId ?? 'admin', origin.name ?? null, origin.role ?? null, null, origin.action];
    case 'system': return ['system', origin.reason ?? 'system', null, null, null, null];
    default: {
      const never: never = origin;
      throw new TypeError(`unknown origin ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Reading a wedding's activity, the same on both backends (ActivityStore on SQLite,
 * PostgresActivityStore): see ActivityStore.list and ActivityStore.latestPerEntity.
 */
export interface ActivityReader {
  list(weddingId: string, q: ActivityQuery): { entries: ActivityEntry[]; nextCursor: string | null } | Promise<{ entries: ActivityEntry[]; nextCursor: string | null }>;
  latestPerEntity(weddingId: string, root: string, entityIds?: readonly string[]): ActivityEntry[] | Promise<ActivityEntry[]>;
  /** ActivityStore.recordDependantsRemoved, in a transaction of its own. */
  recordDependantsRemoved(weddingId: string, root: string, entityId: string, at: number, origin: TxOrigin, what: Record<string, unknown>): void | Promise<void>;
}

/** The one change `recordDependantsRemoved` records: field `dependants`, `previous` = `what`, no value. */
export function dependantsRemoved(root: string, entityId: string, what: Record<string, unknown>): FieldChange {
  return { root, entityId, field: 'dependants', previous: what, value: undefined };
}

/** The last entry of a text field, as the text-burst check reads it. */
export interface LatestOfField {
  id: number; document: string; at: number; actor_kind: string; actor_id: string; removed: boolean | number;
}

/** Whether an edit of a text field by `actor` at `at` extends `last` (one entry per burst of typing, TEXT_BURST_MS). */
export function extendsBurst(last: LatestOfField | undefined, documentName: string, actor: readonly (string | null)[], at: number): last is LatestOfField {
  return !!last && !last.removed && last.document === documentName && last.actor_kind === actor[0] && last.actor_id === actor[1] && at - last.at <= TEXT_BURST_MS;
}

export function toEntry(r: Row): ActivityEntry {
  return {
    id: r.id,
    at: new Date(r.at).toISOString(),
    updateSeq: r.update_seq,
    entity: r.entity_id === '' ? r.root : `${r.root}:${r.entity_id}`,
    root: r.root,
    entityId: r.entity_id,
    field: r.field,
    previous: r.previous === null ? null : JSON.parse(r.previous) as unknown,
    value: r.value === null ? null : JSON.parse(r.value) as unknown,
    ...(r.clipped ? { clipped: { previous: (r.clipped & CLIPPED_PREVIOUS) !== 0, value: (r.clipped & CLIPPED_VALUE) !== 0 } } : {}),
    change: r.previous === null ? 'added' : r.value === null ? 'removed' : 'changed',
    actor: toActor(r),
  };
}

export function toActor(r: Row): ActivityActor {
  switch (r.actor_kind) {
    case 'client': return { kind: 'client', id: r.actor_id, name: r.actor_name ?? r.actor_id, ...(r.actor_role ? { role: r.actor_role } : {}) };
    case 'adapter': return { kind: 'adapter', id: r.actor_id, system: r.actor_system ?? 'unknown', integrationId: r.actor_id };
    case 'admin': return { kind: 'admin', id: r.actor_id, action: r.actor_action ?? 'unknown', ...(r.actor_name ? { name: r.actor_name } : {}), ...(r.actor_role ? { role: r.actor_role } : {}) };
    case 'system': return { kind: 'system', id: r.actor_id, reason: r.actor_id };
    default: {
      const never: never = r.actor_kind;
      throw new TypeError(`unknown actor kind ${String(never)}`);
    }
  }
}
