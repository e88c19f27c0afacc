import type { ContactRemoval } from '../../../sdk/index.ts';
import { humanize } from '../ui/labels.ts';

interface Props {
  /** By removed contact id (WeddingDoc.listContactRemovals). */
  removals: ReadonlyMap<string, ContactRemoval>;
  readOnly: boolean;
  onAddBack(id: string, removal: ContactRemoval): void;
}

/**
 * The contacts a planner removed (schema/document/contact-removals.ts). The server does not add
 * these people back when a message goes to their role; *Add back* makes them a contact again.
 */
export function RemovedContacts({ removals, readOnly, onAddBack }: Props) {
  if (removals.size === 0) return null;
  const list = [...removals].sort(([, a], [, b]) => b.removedAt.localeCompare(a.removedAt));
  return (
    <section class="removed-contacts" aria-labelledby="removed-contacts-heading">
      <h3 id="removed-contacts-heading">Removed contacts</h3>
      <p class="hint">Messages to their role do not reach them, and they are not added back automatically.</p>
      <ul>
        {list.map(([id, r]) => (
          <li key={id} data-removed-id={id}>
            {r.name} <span class="muted">({humanize(r.role).toLowerCase()}{r.email ? `, ${r.email}` : ''})</span>
            {!readOnly && <button type="button" onClick={() => onAddBack(id, r)}>Add back<span class="sr-only"> {r.name}</span></button>}
          </li>
        ))}
      </ul>
    </section>
  );
}
