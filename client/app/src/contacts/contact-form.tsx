import { useRef, useState } from 'preact/hooks';
import { CONTACT_ROLES, SchemaError, type Contact, type ContactInput, type Vendor } from '../../../sdk/index.ts';
import { channelLabel } from '../messages/message-labels.ts';
import { humanize, newId } from '../ui/labels.ts';
import { useFocusOnShow } from '../ui/use-focus-on-show.ts';

/** Channels a contact may prefer, in the order the compose form offers them (in-app always reaches them). */
const CONTACT_CHANNELS: readonly Contact['preferredChannels'][number][] = ['email', 'sms', 'whatsapp', 'slack', 'teams'];

interface Props {
  /** The contact to edit; absent to add one. */
  contact?: Contact;
  /** The wedding's vendors, for "Works for" (a crew member of one of them). */
  vendors: readonly Vendor[];
  /** For a new contact: the vendor it works for at first (the crew list's "Add a crew member"). @default none */
  vendorId?: string;
  /** Writes the contact (the document validates it: SchemaError on a bad e-mail or phone). */
  onSave(input: ContactInput): void;
  /** Save, Cancel or Escape: the view puts the focus back on the control that opened the form. */
  onClose(): void;
}

/**
 * Adds or edits one contact of the wedding (schema/document/entities.ts `Contact`): name, role,
 * e-mail, phone, the vendor they work for (none, or one of the wedding's: they are then its crew)
 * and the channels they prefer, in that order. Nothing is saved while a field is refused. Escape
 * closes the form, as Cancel does.
 */
export function ContactForm({ contact, vendors, vendorId: initialVendor = '', onSave, onClose }: Props) {
  const first = useRef<HTMLInputElement>(null);
  const key = contact?.id ?? 'new';
  const [name, setName] = useState(contact?.name ?? '');
  const [role, setRole] = useState<Contact['role']>(contact?.role ?? 'couple');
  const [email, setEmail] = useState(contact?.email ?? '');
  const [phone, setPhone] = useState(contact?.phone ?? '');
  const [vendorId, setVendorId] = useState(contact?.vendorId ?? initialVendor);
  const [channels, setChannels] = useState<Contact['preferredChannels']>(contact?.preferredChannels ?? []);
  const [error, setError] = useState<string | null>(null);

  useFocusOnShow(first);

  const submit = (e: Event) => {
    e.preventDefault();
    if (!name.trim()) { setError('Name: give the contact a name.'); return; }
    const id = contact?.id ?? newId('con');
    try {
      onSave({ id, name: name.trim(), role, email: email.trim(), phone: phone.trim(), preferredChannels: channels, vendorId });
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      setError(err.issues.map((i) => `${humanize(i.path || 'contact')}: ${i.message}`).join('; '));
      return;
    }
    onClose();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    onClose();
  };

  const toggle = (c: Contact['preferredChannels'][number], on: boolean) => setChannels((cs) => (on ? [...cs, c] : cs.filter((x) => x !== c)));

  return (
    <form class="panel contact-form" onSubmit={submit} onKeyDown={onKeyDown} aria-labelledby={`contact-${key}-heading`} noValidate>
      <h3 id={`contact-${key}-heading`}>{contact ? `Edit ${contact.name}` : 'Add a contact'}</h3>
      {error && <p class="form-errors" role="alert">Nothing was saved: {error}</p>}
      <div class="detail-fields">
        <div class="field"><label for={`contact-${key}-name`}>Name</label>
          <input ref={first} id={`contact-${key}-name`} type="text" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} /></div>
        <div class="field"><label for={`contact-${key}-role`}>Role</label>
          <select id={`contact-${key}-role`} value={role} onChange={(e) => setRole(e.currentTarget.value as Contact['role'])}>
            {CONTACT_ROLES.map((r) => <option key={r} value={r}>{humanize(r)}</option>)}
          </select></div>
        <div class="field"><label for={`contact-${key}-email`}>E-mail address</label>
          <input id={`contact-${key}-email`} type="email" autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></div>
        <div class="field"><label for={`contact-${key}-phone`}>Phone number</label>
          <input id={`contact-${key}-phone`} type="tel" autoComplete="off" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} /></div>
        <div class="field"><label for={`contact-${key}-vendor`}>Works for</label>
          <select id={`contact-${key}-vendor`} value={vendorId} onChange={(e) => setVendorId(e.currentTarget.value)}>
            <option value="">No vendor</option>
            {/* A vendor removed meanwhile stays selectable so an edit does not drop it silently. */}
            {vendorId && !vendors.some((v) => v.id === vendorId) && <option value={vendorId}>A vendor no longer in this wedding</option>}
            {vendors.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
          </select></div>
      </div>
      <fieldset class="vendor-picks">
        <legend>Prefers to hear by</legend>
        {CONTACT_CHANNELS.map((c) => (
          <label class="check" key={c}><input type="checkbox" checked={channels.includes(c)} onChange={(e) => toggle(c, e.currentTarget.checked)} /> {channelLabel(c)}</label>
        ))}
      </fieldset>
      <div class="form-actions">
        <button type="submit" class="primary">{contact ? 'Save' : 'Add contact'}</button>
        <button type="button" onClick={onClose}>Cancel</button>
      </div>
    </form>
  );
}
