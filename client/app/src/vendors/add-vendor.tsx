import { useEffect, useState } from 'preact/hooks';
import { SchemaError, VENDOR_CATEGORIES, type TxOrigin, type Vendor, type WeddingDoc } from '../../../sdk/index.ts';
import type { UndoControls } from '../timeline/use-undo.ts';
import { humanize, newId } from '../ui/labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { duplicateRefusal } from './duplicates.ts';

/**
 * The planner's form for a new vendor (written to the document, undoable). A new vendor with another
 * vendor's e-mail or phone is refused, naming that vendor, with a button to open it (`onOpen`); the
 * refusal goes when that vendor does (`vendors`, the wedding's vendors now).
 */
export function AddVendor({ doc, vendors, origin, perform, onOpen }: { doc: WeddingDoc; vendors: readonly Vendor[]; origin: TxOrigin; perform: UndoControls['perform']; onOpen(vendorId: string): void }) {
  const announce = useAnnounce();
  const [name, setName] = useState('');
  // Chosen for each vendor: a default, or the last one kept, files the next vendor under it unasked.
  const [category, setCategory] = useState<Vendor['category'] | ''>('');
  const [categoryMissing, setCategoryMissing] = useState(false);
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [other, setOther] = useState<Vendor | null>(null);
  const otherGone = other !== null && !vendors.some((v) => v.id === other.id);
  useEffect(() => { if (otherGone) { setError(null); setOther(null); } }, [otherGone]);

  const submit = (e: Event) => {
    e.preventDefault();
    if (!category) {
      setCategoryMissing(true);
      setError('Choose the vendor’s category.'); setOther(null);
      document.getElementById('vendor-category')?.focus();
      return;
    }
    try {
      perform(`add vendor “${name.trim()}”`, () => doc.upsertVendor({ id: newId('ven'), name: name.trim(), category, email: email.trim(), phone: phone.trim() }, origin));
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      if (err.code === 'duplicate') {
        const refusal = duplicateRefusal(err, doc.listVendors(), 'add');
        setError(refusal.text); setOther(refusal.other ?? null);
      } else {
        setError(err.issues.map((i) => `${humanize(i.path || 'vendor')}: ${i.message}`).join('; ')); setOther(null);
      }
      return;
    }
    announce(`Added ${name.trim()}.`);
    setName(''); setCategory(''); setEmail(''); setPhone(''); setError(null); setOther(null); setCategoryMissing(false);
  };

  return (
    <form class="add-vendor" onSubmit={submit} aria-labelledby="add-vendor-heading" noValidate>
      <h3 id="add-vendor-heading">Add a vendor</h3>
      {error && !otherGone && (
        <p class="form-errors" role="alert">Nothing was saved: {error}
          {other && <>{' '}<button type="button" class="link" onClick={() => onOpen(other.id)}>Edit {other.name}</button></>}
        </p>
      )}
      <div class="detail-fields">
        <div class="field"><label for="vendor-name">Name</label>
          <input id="vendor-name" type="text" required maxLength={200} value={name} onInput={(e) => setName(e.currentTarget.value)} /></div>
        <div class="field"><label for="vendor-category">Category</label>
          <select id="vendor-category" required aria-invalid={categoryMissing ? true : undefined} value={category}
            onChange={(e) => { setCategory(e.currentTarget.value as Vendor['category']); setCategoryMissing(false); }}>
            <option value="" disabled>Choose a category</option>
            {VENDOR_CATEGORIES.map((c) => <option key={c} value={c}>{humanize(c)}</option>)}
          </select></div>
        <div class="field"><label for="vendor-email">Email</label>
          <input id="vendor-email" type="email" autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></div>
        <div class="field"><label for="vendor-phone">Phone</label>
          <input id="vendor-phone" type="tel" autoComplete="off" value={phone} onInput={(e) => setPhone(e.currentTarget.value)} /></div>
        <div class="form-actions"><button type="submit" class="primary">Add vendor</button></div>
      </div>
    </form>
  );
}
