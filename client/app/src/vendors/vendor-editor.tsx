import { useEffect, useRef, useState } from 'preact/hooks';
import { CHANNELS, SchemaError, VENDOR_CATEGORIES, VENDOR_STATUS_NEXT, type TxOrigin, type Vendor, type WeddingDoc } from '../../../sdk/index.ts';
import type { UndoControls } from '../timeline/use-undo.ts';
import { humanize } from '../ui/labels.ts';
import { channelLabel } from '../messages/message-labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { duplicateRefusal } from './duplicates.ts';
import { useFocusOnShow } from '../ui/use-focus-on-show.ts';

interface Props {
  doc: WeddingDoc;
  vendor: Vendor;
  /** The wedding's vendors now: a refusal naming one that has since gone is dropped. */
  vendors: readonly Vendor[];
  origin: TxOrigin;
  perform: UndoControls['perform'];
  /** Save, Cancel or Escape: the view puts the focus back on the control that opened the editor. */
  onClose(): void;
  /** Offer to merge this vendor (`dupId`) into the one that already has its address (`keepId`). */
  onMerge(dupId: string, keepId: string): void;
}

/**
 * Edits one vendor's details in the document (one undoable step). The status offers only the moves
 * VENDOR_STATUS_NEXT allows from where the vendor stands; a changed e-mail or phone another vendor
 * already has is refused by the document (merge the two instead). That refusal goes when the other
 * vendor does (removed or merged away), so it never offers a merge into a vendor that is gone.
 * Escape closes the editor, as Cancel does.
 */
export function VendorEditor({ doc, vendor, vendors, origin, perform, onClose, onMerge }: Props) {
  const announce = useAnnounce();
  const first = useRef<HTMLInputElement>(null);
  const [name, setName] = useState(vendor.name);
  const [category, setCategory] = useState(vendor.category);
  const [email, setEmail] = useState(vendor.email);
  const [phone, setPhone] = useState(vendor.phone);
  const [status, setStatus] = useState(vendor.status);
  const [channels, setChannels] = useState<Vendor['preferredChannels']>(vendor.preferredChannels);
  const [error, setError] = useState<string | null>(null);
  const [other, setOther] = useState<Vendor | null>(null);
  const id = vendor.id;

  useFocusOnShow(first);
  // The refusal names the other vendor and offers the merge into it: both are wrong once it is gone.
  const otherGone = other !== null && !vendors.some((v) => v.id === other.id);
  useEffect(() => { if (otherGone) { setError(null); setOther(null); } }, [otherGone]);

  const submit = (e: Event) => {
    e.preventDefault();
    try {
      perform(`edit vendor “${vendor.name}”`, () => doc.upsertVendor({ id, name: name.trim(), category, email: email.trim(), phone: phone.trim(), status, preferredChannels: channels }, origin));
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      if (err.code === 'duplicate') {
        const refusal = duplicateRefusal(err, doc.listVendors(), 'edit');
        setError(refusal.text); setOther(refusal.other ?? null);
      } else {
        setError(err.issues.map((i) => `${humanize(i.path || 'vendor')}: ${i.message}`).join('; ')); setOther(null);
      }
      return;
    }
    announce(`Saved ${name.trim()}.`);
    onClose();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    onClose();
  };

  const toggle = (c: Vendor['preferredChannels'][number], on: boolean) => setChannels((cs) => (on ? [...cs, c] : cs.filter((x) => x !== c)));

  return (
    <form class="panel vendor-editor" onSubmit={submit} onKeyDown={onKeyDown} aria-labelledby={`edit-${id}-heading`} noValidate>
      <h3 id={`edit-${id}-heading`}>Edit {vendor.name}</h3>
      {error && !otherGone && (
        <p class="form-errors" role="alert">Nothing was saved: {error}
          {other && <>{' '}<button type="button" class="link" onClick={() => onMerge(id, other.id)}>Merge {vendor.name} into {other.name}…</button></>}
        </p>
      )}
      <div class="detail-fields">
        <div class="field"><label for={`edit-${id}-name`}>Name</label>
          <input ref={first} id={`edit-${id}-name`} type="text" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} /></div>
        <div class="field"><label for={`edit-${id}-category`}>Category</label>
          <select id={`edit-${id}-category`} value={category} onChange={(e) => setCategory(e.currentTarget.value as Vendor['category'])}>
            {VENDOR_CATEGORIES.map((c) => <option key={c} value={c}>{humanize(c)}</option>)}
          </select></div>
        <div class="field"><label for={`edit-${id}-email`}>Email</label>
          <input id={`edit-${id}-email`} type="email" autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></div>
        <div class="field"><label for={`edit-${id}-phone`}>Phone</label>
          <input id={`edit-${id}-phone`} type="tel" autoComplete="off" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} /></div>
        <div class="field"><label for={`edit-${id}-status`}>Status</label>
          <select id={`edit-${id}-status`} value={status} onChange={(e) => setStatus(e.currentTarget.value as Vendor['status'])}>
            {[vendor.status, ...VENDOR_STATUS_NEXT[vendor.status]].map((s) => <option key={s} value={s}>{humanize(s)}</option>)}
          </select></div>
      </div>
      <fieldset class="vendor-picks">
        <legend>Prefers to hear by</legend>
        {CHANNELS.map((c) => (
          <label class="check" key={c}><input type="checkbox" checked={channels.includes(c)} onChange={(e) => toggle(c, e.currentTarget.checked)} /> {channelLabel(c)}</label>
        ))}
      </fieldset>
      <div class="form-actions">
        <button type="submit" class="primary">Save</button>
        <button type="button" onClick={onClose}>Cancel</button>
      </div>
    </form>
  );
}
