import { useMemo, useRef, useState } from 'preact/hooks';
import { VENDOR_STATUS_NEXT, type TxOrigin, type Vendor, type WeddingDoc } from '../../../sdk/index.ts';
import { describeApiError } from '../api/api-client.ts';
import { removeVendorApi, type TokenSource } from '../budget/budget-api.ts';
import type { UndoControls } from '../timeline/use-undo.ts';
import { ConfirmDialog } from '../ui/confirm-dialog.tsx';
import { humanize } from '../ui/labels.ts';
import { channelLabel } from '../messages/message-labels.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { useReturnFocus } from '../ui/use-return-focus.ts';
import { AddVendor } from './add-vendor.tsx';
import { VendorEditor } from './vendor-editor.tsx';
import { count, RemovalList } from './vendor-footprint.tsx';
import { VendorMerge } from './vendor-merge.tsx';

interface Props {
  doc: WeddingDoc;
  version: number;
  /** The role may change vendors here (planners, admins): without it no editing control is rendered. */
  canEdit: boolean;
  /** Changes are unavailable now (the server paused them): the controls shown are disabled. */
  readOnly: boolean;
  /** The notice saying why changes are paused. */
  readOnlyNoteId: string;
  origin: TxOrigin;
  perform: UndoControls['perform'];
  weddingId: string;
  token: TokenSource;
  /** A vendor reading: the other vendors' contact details are not theirs to see (docs/audiences.md), so not "none". */
  viewerVendorId?: string | undefined;
}

/** The forward move the row offers as one button (inquiry → booked → confirmed); other moves are in the editor. */
const FORWARD: Partial<Record<Vendor['status'], Vendor['status']>> = { inquiry: 'booked', booked: 'confirmed' };

/**
 * The wedding's vendors with category, status and contact details. Planners add, edit, move the
 * status of, merge and remove vendors; nobody else edits them here (schema/document/permissions.ts).
 */
export function VendorsView({ doc, version, canEdit, readOnly, readOnlyNoteId, origin, perform, weddingId, token, viewerVendorId }: Props) {
  const announce = useAnnounce();
  const vendors = useMemo(() => doc.listVendors(), [doc, version]);
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Vendor | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [mergeOffer, setMergeOffer] = useState<{ dupId: string; keepId: string } | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const editingVendor = vendors.find((v) => v.id === editing);
  const opener = useReturnFocus(() => heading.current);
  const openEditor = (id: string) => { opener.remember(); setEditing(id); };

  const move = (v: Vendor, to: Vendor['status']) => {
    perform(`mark “${v.name}” ${to}`, () => doc.upsertVendor({ id: v.id, status: to }, origin));
    announce(`${v.name} is now ${humanize(to).toLowerCase()}.`);
  };

  const focusHeading = () => setTimeout(() => heading.current?.focus(), 0);

  const remove = async () => {
    if (!removing) return;
    setBusy(true);
    try {
      const { removed } = await removeVendorApi(weddingId, token, removing.id);
      announce(`Removed ${removing.name}: taken off ${count(removed.eventIds.length, 'event')}, ${count(removed.paymentIds.length, 'payment')} kept in the budget, ${count(removed.unbound.length, 'connection')} unbound.`);
      setError(null);
      if (editing === removing.id) setEditing(null);
    } catch (err) {
      setError(describeApiError(err, `Removing ${removing.name}`));
    } finally {
      setBusy(false);
      setRemoving(null);
      focusHeading();
    }
  };

  return (
    <section aria-labelledby="vendors-heading">
      <div class="section-head"><h2 id="vendors-heading" ref={heading} tabIndex={-1}>Vendors</h2></div>
      {error && <p class="form-errors" role="alert">{error}</p>}
      {vendors.length === 0 ? <p class="empty">No vendors yet.</p> : (
        <div class="table-wrap">
          <table class="vendors">
            <caption class="sr-only">Vendors of this wedding</caption>
            <thead>
              <tr>
                <th scope="col">Name</th><th scope="col">Category</th><th scope="col">Status</th><th scope="col">Contact</th><th scope="col">Prefers</th>
                {canEdit && <th scope="col"><span class="sr-only">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {vendors.map((v) => (
                <VendorRow key={v.id} vendor={v} canEdit={canEdit} readOnly={readOnly} contactHidden={viewerVendorId !== undefined && v.id !== viewerVendorId} onMove={move} onEdit={() => openEditor(v.id)} onRemove={() => setRemoving(v)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit && !readOnly && editingVendor && (
        <VendorEditor key={editingVendor.id} doc={doc} vendor={editingVendor} vendors={vendors} origin={origin} perform={perform} onClose={() => { setEditing(null); opener.restore(); }}
          onMerge={(dupId, keepId) => { setEditing(null); setMergeOffer({ dupId, keepId }); }} />
      )}
      {!canEdit ? <p class="hint">Adding or changing a vendor needs a planner.</p> : (
        <fieldset class="plain" disabled={readOnly} aria-describedby={readOnly ? readOnlyNoteId : undefined}>
          <AddVendor doc={doc} vendors={vendors} origin={origin} perform={perform} onOpen={openEditor} />
          <VendorMerge doc={doc} vendors={vendors} weddingId={weddingId} token={token} onMerged={focusHeading} offer={mergeOffer} />
        </fieldset>
      )}
      {removing && (
        <ConfirmDialog title={`Remove ${removing.name}?`} confirmLabel={`Remove ${removing.name}`} confirmDisabled={busy}
          onConfirm={() => void remove()} onCancel={() => setRemoving(null)}>
          <p>This goes with it:</p>
          <RemovalList doc={doc} vendor={removing} />
        </ConfirmDialog>
      )}
    </section>
  );
}

interface RowProps {
  vendor: Vendor;
  /** Its contact details are not shown to this reader (another vendor's, to a vendor). */
  contactHidden: boolean;
  canEdit: boolean;
  readOnly: boolean;
  onMove(v: Vendor, to: Vendor['status']): void;
  onEdit(): void;
  onRemove(): void;
}

function VendorRow({ vendor: v, canEdit, readOnly, contactHidden, onMove, onEdit, onRemove }: RowProps) {
  const forward = FORWARD[v.status];
  return (
    <tr data-vendor-id={v.id}>
      <th scope="row">{v.name}</th>
      <td data-label="Category">{humanize(v.category)}</td>
      <td data-label="Status">
        <span class={`tag status-${v.status}`}>{humanize(v.status)}</span>
        {canEdit && forward && VENDOR_STATUS_NEXT[v.status].includes(forward) && (
          <button type="button" class="link" disabled={readOnly} onClick={() => onMove(v, forward)}>Mark<span class="sr-only"> {v.name}</span> {forward}</button>
        )}
      </td>
      <td data-label="Contact" class="contact">
        {v.email && <a href={`mailto:${v.email}`}>{v.email}</a>}
        {v.phone && <a href={`tel:${v.phone.replace(/[^+0-9]/g, '')}`}>{v.phone}</a>}
        {!v.email && !v.phone && <span class="muted">{contactHidden ? 'through the planner' : 'none'}</span>}
      </td>
      <td data-label="Prefers">{v.preferredChannels.length ? v.preferredChannels.map(channelLabel).join(', ') : <span class="muted">—</span>}</td>
      {canEdit && (
        <td data-label="Actions">
          <div class="row-actions">
            <button type="button" disabled={readOnly} onClick={onEdit}>Edit<span class="sr-only"> {v.name}</span></button>
            <button type="button" class="danger" disabled={readOnly} onClick={onRemove}>Remove<span class="sr-only"> {v.name}</span></button>
          </div>
        </td>
      )}
    </tr>
  );
}
