import { useRef, useState } from 'preact/hooks';
import type { WeddingVendors } from './use-wedding-vendors.ts';
import { useFocusOnShow } from '../ui/use-focus-on-show.ts';

interface SelectProps {
  id: string;
  label: string;
  vendors: WeddingVendors | undefined;
  /** A vendor id, or '' for none. */
  value: string;
  onChange(value: string): void;
  autoFocus?: boolean;
}

/**
 * The vendor of a binding, chosen by name from the wedding's vendors (never typed as an id), with
 * a plain "None" choice: records that name no vendor then wait for one.
 */
export function VendorSelect({ id, label, vendors, value, onChange, autoFocus }: SelectProps) {
  const ref = useRef<HTMLSelectElement>(null);
  // Focused once it can take focus: a disabled select (the vendors still being read) cannot.
  useFocusOnShow(ref, { ready: autoFocus === true && vendors?.state !== 'loading', scroll: true });
  const list = vendors?.state === 'ready' ? vendors.vendors : [];
  const hintId = `${id}-hint`;
  return (
    <span class="vendor-select">
      <label for={id}>{label}</label>{' '}
      <select id={id} ref={ref} value={value} disabled={vendors?.state === 'loading'} aria-describedby={vendors && vendors.state !== 'ready' ? hintId : undefined}
        onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">None: no vendor</option>
        {list.map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
        {value && vendors?.state === 'ready' && !list.some((v) => v.id === value) && <option value={value}>A vendor no longer in this wedding</option>}
      </select>
      {vendors?.state === 'loading' && <span class="muted" id={hintId}> Reading the wedding’s vendors…</span>}
      {vendors?.state === 'failed' && <span class="field-error" id={hintId}> {vendors.problem}</span>}
      {vendors?.state === 'ready' && list.length === 0 && <span class="muted" id={hintId}> This wedding has no vendors yet: add them in its Vendors tab.</span>}
    </span>
  );
}

interface FormProps {
  idBase: string;
  /** The wedding's title ("Sam & Alex"). */
  title: string;
  /** The connection as people know it ("HoneyBook"). */
  name: string;
  current: string | null;
  vendors: WeddingVendors | undefined;
  onSave(vendorId: string | null): Promise<void>;
  onCancel(): void;
}

/** Changes the vendor of one binding: the vendor of the wedding whose payments and bookings the connection's records are. */
export function BindingVendorForm({ idBase, title, name, current, vendors, onSave, onCancel }: FormProps) {
  const [value, setValue] = useState(current ?? '');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try { await onSave(value || null); } finally { setBusy(false); }
  };
  return (
    <form class="binding-vendor-form" onSubmit={submit} aria-label={`Vendor of ${name} for ${title}`}>
      <p class="muted">{name}’s records for {title} that name no vendor (its payments, new bookings) become this vendor’s.</p>
      <VendorSelect id={`${idBase}-vendor`} label={`Vendor for ${title}`} vendors={vendors} value={value} onChange={setValue} autoFocus />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || vendors?.state !== 'ready'}>Save vendor</button>{' '}
        <button type="button" disabled={busy} onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
