import { useMemo, useRef, useState } from 'preact/hooks';
import type { Contact, ContactInput, ContactRemoval, TxOrigin, WeddingDoc } from '../../../sdk/index.ts';
import { channelLabel } from '../messages/message-labels.ts';
import type { UndoControls } from '../timeline/use-undo.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { humanize } from '../ui/labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { useReturnFocus } from '../ui/use-return-focus.ts';
import { ContactForm } from './contact-form.tsx';
import { RemovedContacts } from './removed-contacts.tsx';
import { VendorCrew } from './vendor-crew.tsx';
import { GuestsEditor } from '../guests/guests-editor.tsx';
import type { Writer } from '../../../../schema/document/permissions.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  readOnly: boolean;
  origin: TxOrigin;
  perform: UndoControls['perform'];
  writer: Writer;
}

/**
 * The planner's people who are not vendors: the wedding's `contacts` (the couple, planners,
 * coordinators, family) with role, e-mail, phone and preferred channels — who messages and
 * emergencies addressed by role reach (docs/communications.md) — and the guest numbers and dietary
 * counts (guests-editor.tsx). A contact may work for one of the wedding's vendors: each vendor lists
 * its crew (vendor-crew.tsx), who hear what the vendor is sent. People who joined the wedding as
 * planner or couple are added here by the server when a message to their role is sent, unless a
 * planner removed their contact: removals are remembered and listed (removed-contacts.tsx) until the
 * planner adds the person back. Each add, edit and removal is one undoable step.
 */
export function ContactsView({ doc, version, readOnly, origin, perform, writer }: Props) {
  const announce = useAnnounce();
  const contacts = useMemo(() => doc.listContacts(), [doc, version]);
  const vendors = useMemo(() => doc.listVendors(), [doc, version]);
  const removals = useMemo(() => doc.listContactRemovals(), [doc, version]);
  const vendorName = (id: string) => vendors.find((v) => v.id === id)?.name;
  const [editing, setEditing] = useState<string | null>(null);
  /** The vendor a new contact works for, when added from a vendor's crew list. */
  const [crewOf, setCrewOf] = useState('');
  const [removing, setRemoving] = useState<Contact | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  /** "Add a contact" is hidden while the form is open, so closing finds it again by ref. */
  const addButton = useRef<HTMLButtonElement>(null);
  const opener = useReturnFocus(() => heading.current);
  const editingContact = editing === 'new' ? undefined : contacts.find((c) => c.id === editing);

  const save = (input: ContactInput) => {
    const known = doc.getContact(input.id);
    perform(`${known ? 'edit' : 'add'} contact “${input.name}”`, () => doc.upsertContact(input, origin));
    announce(`${known ? 'Saved' : 'Added'} ${input.name}.`);
  };

  const addBack = (id: string, r: ContactRemoval) => {
    // A new contact with the removed id forgets the removal (WeddingDoc.upsertContact).
    perform(`add back contact “${r.name}”`, () => doc.upsertContact({ id, name: r.name, role: r.role, email: r.email }, origin));
    announce(`Added ${r.name} back.`);
  };

  const addTo = (vendorId: string) => {
    opener.remember(vendorId ? undefined : () => addButton.current);
    setCrewOf(vendorId);
    setEditing('new');
  };

  const remove = () => {
    if (!removing) return;
    perform(`remove contact “${removing.name}”`, () => doc.deleteContact(removing.id, origin));
    announce(`Removed ${removing.name}.`);
    if (editing === removing.id) setEditing(null);
    setRemoving(null);
    setTimeout(() => heading.current?.focus(), 0);
  };

  return (
    <section class="contacts-view" aria-labelledby="contacts-heading">
      <div class="section-head">
        <h2 id="contacts-heading" ref={heading} tabIndex={-1}>Contacts</h2>
        {!readOnly && editing === null && <button ref={addButton} type="button" class="primary" onClick={() => addTo('')}>Add a contact</button>}
      </div>
      <p class="hint">The couple, planners, coordinators, family, and vendors’ crew: who messages and emergencies for their role, or their vendor, reach. Vendors are on the Vendors tab.</p>
      {editing !== null && (editing === 'new' || editingContact) && (
        <ContactForm key={`${editing}-${crewOf}`} contact={editingContact} vendors={vendors} vendorId={crewOf} onSave={save} onClose={() => { setEditing(null); opener.restore(); }} />
      )}
      {contacts.length === 0 ? <p class="empty">No contacts yet.</p> : (
        <div class="table-wrap">
          <table class="contacts">
            <caption class="sr-only">Contacts of this wedding</caption>
            <thead>
              <tr>
                <th scope="col">Name</th><th scope="col">Role</th><th scope="col">E-mail</th><th scope="col">Phone</th><th scope="col">Works for</th><th scope="col">Prefers</th>
                {!readOnly && <th scope="col"><span class="sr-only">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {contacts.map((c) => (
                <tr key={c.id} data-contact-id={c.id}>
                  <th scope="row">{c.name}</th>
                  <td data-label="Role">{humanize(c.role)}</td>
                  <td data-label="E-mail">{c.email || <span class="muted">none</span>}</td>
                  <td data-label="Phone">{c.phone || <span class="muted">none</span>}</td>
                  <td data-label="Works for">{c.vendorId ? (vendorName(c.vendorId) ?? <span class="muted">a vendor no longer here</span>) : <span class="muted">no vendor</span>}</td>
                  <td data-label="Prefers">{c.preferredChannels.length ? c.preferredChannels.map(channelLabel).join(', ') : <span class="muted">in-app</span>}</td>
                  {!readOnly && (
                    <td class="actions">
                      <button type="button" onClick={() => { opener.remember(); setEditing(c.id); }}>Edit<span class="sr-only"> {c.name}</span></button>
                      <button type="button" class="danger" onClick={() => setRemoving(c)}>Remove<span class="sr-only"> {c.name}</span></button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {removing && (
        <ConfirmDialog title={`Remove ${removing.name}?`} confirmLabel="Remove" onConfirm={remove} onCancel={() => setRemoving(null)}>
          <p>They will no longer get messages sent to their role, and are not added back automatically. Messages already sent stay in the log.</p>
        </ConfirmDialog>
      )}
      <VendorCrew vendors={vendors} contacts={contacts} readOnly={readOnly} onAdd={addTo} />
      <RemovedContacts removals={removals} readOnly={readOnly} onAddBack={addBack} />
      <GuestsEditor doc={doc} version={version} writer={writer} origin={origin} />
    </section>
  );
}
