import { useCallback, useEffect, useState } from 'preact/hooks';
import { z } from 'zod';
import {
  SnapshotList, SnapshotRestoreResult, SnapshotSummary, compareEvents, type RestoreSection, type SnapshotCreateBody, type SnapshotRestoreBody, type WeddingJSON,
} from '../../../sdk/index.ts';
import { apiRequest, describeApiError } from '../api/api-client.ts';
import type { WeddingDoc } from '../../../../schema/document/wedding-doc.ts';
import { weddingFacts } from '../conflicts/wedding-facts.ts';
import { RestoreDialog, SECTION_LABELS } from './restore-dialog.tsx';
import { dateTimeLabel, humanize } from '../ui/labels.ts';
import { clearSent } from '../ui/clear-sent.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { operatorWords, snapshotKindWords } from './snapshot-words.ts';

interface Props {
  weddingId: string;
  token: string;
  timeZone: string;
  /** The open wedding: names and currencies in the restore preview. */
  doc: WeddingDoc;
}

/** GET …/snapshots/:sid: the summary plus the content as plain JSON (server/admin/snapshot-service.ts). */
const SnapshotDetail = SnapshotSummary.extend({ content: z.custom<WeddingJSON>((v) => typeof v === 'object' && v !== null && 'timeline' in v) });
type SnapshotDetail = z.infer<typeof SnapshotDetail>;

type Message = { text: string; error: boolean } | null;

/** Admin only: labelled snapshots of the wedding, a preview of each, and restore with confirmation. */
export function SnapshotsView({ weddingId, token, timeZone, doc }: Props) {
  const announce = useAnnounce();
  const base = `/api/admin/weddings/${encodeURIComponent(weddingId)}/snapshots`;
  const [list, setList] = useState<SnapshotSummary[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [label, setLabel] = useState('');
  const [message, setMessage] = useState<Message>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<SnapshotDetail | null>(null);
  const [confirming, setConfirming] = useState<SnapshotSummary | null>(null);

  const reload = useCallback(async () => {
    try {
      setList((await apiRequest(base, { token, schema: SnapshotList })).snapshots);
      setListError(null);
    } catch (error) {
      setListError(describeApiError(error, 'Snapshots'));
    }
  }, [base, token]);
  useEffect(() => { void reload(); }, [reload]);

  const create = async (e: Event) => {
    e.preventDefault();
    const body: SnapshotCreateBody = { label: label.trim() };
    if (!body.label) return setMessage({ text: 'Give the snapshot a label, e.g. “before seating changes”.', error: true });
    setBusy(true);
    const sentLabel = label;
    try {
      const created = await apiRequest(base, { token, method: 'POST', body, schema: SnapshotSummary });
      clearSent(setLabel, sentLabel, ''); // a label typed for the next one meanwhile stays
      // The line has role="status", so it is read out; a second announcement would repeat it in the page.
      setMessage({ text: `Snapshot “${created.label}” created.`, error: false });
      await reload();
    } catch (error) {
      setMessage({ text: describeApiError(error, 'Creating a snapshot'), error: true });
    } finally {
      setBusy(false);
    }
  };

  const open = async (s: SnapshotSummary) => {
    try {
      setPreview(await apiRequest(`${base}/${encodeURIComponent(s.id)}`, { token, schema: SnapshotDetail }));
    } catch (error) {
      setMessage({ text: describeApiError(error, 'Previewing a snapshot'), error: true });
    }
  };

  const restore = async (s: SnapshotSummary, sections: RestoreSection[]) => {
    setConfirming(null);
    setBusy(true);
    try {
      const body: SnapshotRestoreBody = { sections };
      const result = await apiRequest(`${base}/${encodeURIComponent(s.id)}/restore`, { token, method: 'POST', body, schema: SnapshotRestoreResult });
      const what = result.sections.map((x) => SECTION_LABELS[x]).join(', ');
      setMessage({ text: `Restored “${result.restored.label}” (${what}). The content it replaced is kept as “${result.backup.label}”.`, error: false });
      announce('Snapshot restored.');
      await reload();
    } catch (error) {
      setMessage({ text: describeApiError(error, 'Restoring a snapshot'), error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="admin-heading">
      <div class="section-head"><h2 id="admin-heading">Snapshots</h2></div>
      <form class="inline-form" onSubmit={create}>
        <label for="snapshot-label">New snapshot label</label>
        <input id="snapshot-label" type="text" maxLength={200} value={label} onInput={(e) => setLabel(e.currentTarget.value)} placeholder="before seating changes" />
        <button type="submit" class="primary" disabled={busy}>Create snapshot</button>
      </form>
      {message && <p class={message.error ? 'form-errors' : 'hint'} role={message.error ? 'alert' : 'status'}>{message.text}</p>}
      {listError && <p class="form-errors" role="alert">{listError}</p>}
      {list && list.length === 0 && <p class="empty">No snapshots yet.</p>}
      {list && list.length > 0 && (
        <div class="table-wrap">
          <table class="snapshots">
            <caption class="sr-only">Snapshots, newest first</caption>
            <thead><tr><th scope="col">Label</th><th scope="col">Taken</th><th scope="col">Kind</th><th scope="col">Size</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.id} data-snapshot-id={s.id}>
                  <th scope="row">{s.label}</th>
                  <td data-label="Taken">{dateTimeLabel(s.createdAt, timeZone)} <span class="muted">by {operatorWords(s.createdBy)}</span></td>
                  <td data-label="Kind">{snapshotKindWords(s.kind)}</td>
                  <td data-label="Size">{(s.sizeBytes / 1024).toFixed(1)} KiB</td>
                  <td class="row-actions">
                    <button type="button" onClick={() => open(s)}>Preview<span class="sr-only"> {s.label}</span></button>
                    <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(s)}>Restore<span class="sr-only"> {s.label}</span></button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {preview && <SnapshotPreview snapshot={preview} timeZone={timeZone} onClose={() => setPreview(null)} />}
      {confirming && (
        <RestoreDialog timeZone={timeZone} snapshot={confirming} url={`${base}/${encodeURIComponent(confirming.id)}`} token={token}
          facts={weddingFacts(doc, timeZone, doc.getMeta().date)}
          onCancel={() => setConfirming(null)} onConfirm={(sections) => restore(confirming, sections)} />
      )}
    </section>
  );
}

function SnapshotPreview({ snapshot, timeZone, onClose }: { snapshot: SnapshotDetail; timeZone: string; onClose(): void }) {
  const c = snapshot.content;
  const events = Object.values(c.timeline).sort(compareEvents);
  const time = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(Date.parse(iso));
  return (
    <section class="preview" aria-labelledby="preview-heading">
      <div class="section-head">
        <h3 id="preview-heading">Preview: {snapshot.label}</h3>
        <button type="button" onClick={onClose}>Close preview</button>
      </div>
      <p>{c.meta.title || 'Untitled wedding'} · {events.length} events · {Object.keys(c.vendors).length} vendors · {Object.keys(c.payments).length} payments · {c.conflicts.length} conflicts</p>
      {events.length > 0 && (
        <ol class="preview-events">
          {events.map((e) => <li key={e.id}><span class="muted">{time(e.start)}</span> {e.title} <span class="muted">({humanize(e.category)})</span></li>)}
        </ol>
      )}
    </section>
  );
}
