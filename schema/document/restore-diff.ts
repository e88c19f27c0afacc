import type { FieldChange, RestoreChanges, RestoreSection, SectionChanges } from '../api/admin.ts';
import type { WeddingJSON } from './entities.ts';
import { clipWithEllipsis } from './text.ts';
import { ownValue } from '../own-keys.ts';

/** Sections that hold one record of fields rather than entities keyed by id. */
const SINGLE_RECORD: ReadonlySet<RestoreSection> = new Set(['meta', 'guests']);

/**
 * What restoring `to` over `from` changes in each chosen section: entities added, removed, and the
 * fields that differ (compared as JSON, so notes compare as their text). Pure; used for the restore
 * preview, the restore result, and by the server to tell which fields a restore displaced.
 */
export function diffSections(from: WeddingJSON, to: WeddingJSON, sections: readonly RestoreSection[]): RestoreChanges {
  const out: RestoreChanges = {};
  for (const section of sections) {
    if (SINGLE_RECORD.has(section)) {
      const fields = diffFields(asRecord(from[section as 'meta']), asRecord(to[section as 'meta']));
      out[section] = { added: [], removed: [], changed: fields.length ? [{ id: section, label: section, fields }] : [] };
    } else {
      out[section] = diffEntities(entitiesOf(from, section), entitiesOf(to, section));
    }
  }
  return out;
}

/** Whether a restore with these changes touched `field` of `entityId` (`*`: the entity as a whole). */
export function restoreTouched(changes: RestoreChanges, section: RestoreSection, entityId: string, field: string): boolean {
  const c = changes[section];
  if (!c) return false;
  if (c.added.some((e) => e.id === entityId) || c.removed.some((e) => e.id === entityId)) return true;
  const changed = c.changed.find((e) => e.id === entityId);
  return !!changed && (field === '*' || changed.fields.some((f) => f.field === field));
}

/** Counts of added, removed and changed entries over every section. */
export function countChanges(changes: RestoreChanges): { added: number; removed: number; changed: number } {
  let added = 0; let removed = 0; let changed = 0;
  for (const c of Object.values(changes)) {
    added += c.added.length; removed += c.removed.length; changed += c.changed.length;
  }
  return { added, removed, changed };
}

function entitiesOf(doc: WeddingJSON, section: RestoreSection): Map<string, Record<string, unknown>> {
  const value = doc[section as keyof WeddingJSON] as unknown;
  const entries: Record<string, unknown>[] = Array.isArray(value)
    ? value as Record<string, unknown>[]
    : Object.values(asRecord(value)) as Record<string, unknown>[];
  return new Map(entries.map((e) => [String(e.id), e]));
}

function diffEntities(from: Map<string, Record<string, unknown>>, to: Map<string, Record<string, unknown>>): SectionChanges {
  const out: SectionChanges = { added: [], removed: [], changed: [] };
  for (const [id, entity] of to) {
    const was = from.get(id);
    if (!was) out.added.push({ id, label: labelOf(entity) });
    else {
      const fields = diffFields(was, entity);
      if (fields.length) out.changed.push({ id, label: labelOf(entity), fields });
    }
  }
  for (const [id, entity] of from) if (!to.has(id)) out.removed.push({ id, label: labelOf(entity) });
  return out;
}

function diffFields(from: Record<string, unknown>, to: Record<string, unknown>): FieldChange[] {
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].filter((k) => k !== 'id').sort();
  return keys
    .filter((k) => JSON.stringify(ownValue(from, k) ?? null) !== JSON.stringify(ownValue(to, k) ?? null))
    .map((k) => ({ field: k, from: ownValue(from, k) ?? null, to: ownValue(to, k) ?? null }));
}

function labelOf(e: Record<string, unknown>): string {
  for (const k of ['title', 'name', 'subject', 'body', 'field']) if (typeof e[k] === 'string' && e[k]) return clipWithEllipsis(e[k] as string, 80);
  return String(e.id);
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? v as Record<string, unknown> : {};
}
