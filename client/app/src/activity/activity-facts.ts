import type { Conflict, WeddingDoc } from '../../../sdk/index.ts';
import type { EventFacts } from '../conflicts/conflict-words.ts';
import { weddingFacts } from '../conflicts/wedding-facts.ts';
import { messageTitle } from '../messages/message-labels.ts';

/** What the activity words look up besides the conflicts' facts: people, messages and proposals by id. */
export interface ActivityFacts extends EventFacts {
  /** A person by id: a vendor, a contact (also one since removed), or anyone the trail names as an actor. */
  personName(id: string): string | undefined;
  /** A message's subject, or the start of its body. */
  messageTitle?(id: string): string | undefined;
  /** A vendor merged or removed: its name when it left and how (`merged into Lens & Light`, `removed`). */
  formerVendor?(id: string): { name: string; how: string } | undefined;
  /** A proposal's event and proposed values. */
  proposal?(id: string): { eventId: string; changes: Record<string, unknown> } | undefined;
  /** A conflict still in the wedding, by id (to name it by its sentence). */
  conflict?(id: string): Conflict | undefined;
}

/** The activity view's look-ups, read from the open wedding's document. */
export function activityFacts(doc: WeddingDoc, timeZone: string, weddingDate: string | undefined): ActivityFacts {
  const base = weddingFacts(doc, timeZone, weddingDate);
  const removals = doc.listContactRemovals();
  return {
    ...base,
    personName: (id) => doc.vendorDisplayName(id) ?? doc.getContact(id)?.name ?? removals.get(id)?.name,
    formerVendor: (id) => doc.formerVendor(id),
    conflict: (id) => doc.listConflicts().find((c) => c.id === id),
    messageTitle(id) {
      const m = doc.getMessageHeader(id);
      return m ? messageTitle(m) : undefined;
    },
    proposal(id) {
      const p = doc.ydoc.getMap<unknown>('proposals').get(id) as { toJSON(): unknown } | undefined;
      const json = p && typeof p.toJSON === 'function' ? p.toJSON() as { eventId?: unknown; changes?: unknown } : undefined;
      return json && typeof json.eventId === 'string' ? { eventId: json.eventId, changes: (json.changes ?? {}) as Record<string, unknown> } : undefined;
    },
  };
}
