import * as Y from 'yjs';
import { Contact, Payment, StoredTimelineEvent, Task, Vendor } from './entities.ts';
import { describeValue, rawEntity, readEvent, type InvalidEntry, type YEntity } from './readers.ts';
import { ROOT } from './roots.ts';
import type { WeddingDoc } from './wedding-doc.ts';

type Checked = { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } };

/** WeddingDoc.invalidEntries (see there): entries readers skip, and entities their schema refuses. */
export function invalidEntries(doc: WeddingDoc): InvalidEntry[] {
  const out: InvalidEntry[] = [];
  const keyed: [string, Y.Map<YEntity>, (id: string, m: YEntity) => unknown, Checked][] = [
    [ROOT.timeline, doc.timeline, (id, m) => ({ ...rawEntity(m), id, notes: readEvent(id, m).notes }), StoredTimelineEvent],
    [ROOT.vendors, doc.vendors, (id, m) => ({ ...rawEntity(m), id }), Vendor],
    [ROOT.payments, doc.payments, (id, m) => ({ ...rawEntity(m), id }), Payment],
    [ROOT.contacts, doc.contacts, (id, m) => ({ ...rawEntity(m), id }), Contact],
    [ROOT.tasks, doc.tasks, (id, m) => ({ ...rawEntity(m), id }), Task],
  ];
  for (const [root, map, raw, schema] of keyed) {
    for (const [id, v] of map.entries()) {
      if (!(v instanceof Y.Map)) {
        out.push({ path: `${root}.${id}`, problem: `not an entity (${describeValue(v)}); skipped` });
        continue;
      }
      const parsed = schema.safeParse(raw(id, v as YEntity));
      if (!parsed.success) out.push({ path: `${root}.${id}`, problem: (parsed.error?.issues ?? []).map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ') });
    }
  }
  for (const [root, array] of [[ROOT.messages, doc.messages], [ROOT.conflicts, doc.conflicts]] as const) {
    array.toArray().forEach((v: unknown, i) => {
      if (!(v instanceof Y.Map)) out.push({ path: `${root}[${i}]`, problem: `not an entity (${describeValue(v)}); skipped` });
    });
  }
  return out;
}
