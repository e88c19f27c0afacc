import { connectionTitle } from '../catalog/system-names.ts';
import { useState } from 'preact/hooks';
import { describeApiError } from '../api/api-client.ts';
import { importCsv, type ConnectionSummary, type ImportResponse } from './connections-api.ts';

interface Props {
  /** The workspace's connections; those of system `preset` (a CRM read through its preset) can import. */
  connections: ConnectionSummary[];
  token(): Promise<string>;
  titleOf(weddingId: string): string;
  /** After an apply: the lists (bindings, unmatched queue) change. */
  onApplied(message: string): void;
}

const ACTION_LABEL = { create: 'New', match: 'Matched', update: 'Update', skip: 'Skipped' } as const;

/**
 * Import a system's CSV export (docs/connections.md, "Importing a CSV export"): choose the preset
 * connection, paste or pick the file, preview what each row would do, then apply.
 */
export function CsvImportPanel({ connections, token, titleOf, onApplied }: Props) {
  const presets = connections.filter((c) => c.system === 'preset');
  const [connectionId, setConnectionId] = useState(presets[0]?.connectionId ?? '');
  const [csv, setCsv] = useState('');
  const [preview, setPreview] = useState<ImportResponse | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = presets.find((c) => c.connectionId === connectionId) ?? presets[0];

  const run = async (mode: 'preview' | 'apply') => {
    if (!chosen) return;
    setBusy(true);
    try {
      const result = await importCsv(await token(), { connectionId: chosen.connectionId, csv, mode });
      setPreview(result);
      setProblem(null);
      if (mode === 'apply') {
        const { create, match, update, skip } = result.counts;
        onApplied(`Imported: ${match} matched, ${update} updated, ${create} new, ${skip} skipped.`);
      }
    } catch (error) {
      setProblem(describeApiError(error, mode === 'apply' ? 'Importing the file' : 'Previewing the file'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="csv-import-heading" class="csv-import">
      <h2 id="csv-import-heading">Import a CSV export</h2>
      {presets.length === 0 ? (
        <p class="empty">Connect a system without an API (HoneyBook, Dubsado…) first: its export is read with that connection's settings.</p>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void run('preview'); }}>
          <label for="csv-import-connection">Connection</label>
          <select id="csv-import-connection" value={chosen?.connectionId} onChange={(e) => { setConnectionId(e.currentTarget.value); setPreview(null); }}>
            {presets.map((c) => <option key={c.connectionId} value={c.connectionId}>{connectionTitle(c.name, c.systemName)}</option>)}
          </select>
          <label for="csv-import-file">File</label>
          <input id="csv-import-file" type="file" accept=".csv,text/csv" onChange={async (e) => {
            const file = e.currentTarget.files?.[0];
            if (file) { setCsv(await file.text()); setPreview(null); }
          }} />
          <label for="csv-import-text">Or paste the export</label>
          <textarea id="csv-import-text" rows={6} value={csv} onInput={(e) => { setCsv(e.currentTarget.value); setPreview(null); }} />
          {problem && <p class="form-errors" role="alert">{problem}</p>}
          <div class="form-actions">
            <button type="submit" disabled={busy || csv.trim() === ''}>Preview</button>
            <button type="button" class="primary" disabled={busy || !preview || preview.mode !== 'preview'} onClick={() => void run('apply')}>Apply</button>
          </div>
        </form>
      )}
      {preview && <ImportTable result={preview} titleOf={titleOf} />}
    </section>
  );
}

function ImportTable({ result, titleOf }: { result: ImportResponse; titleOf(weddingId: string): string }) {
  const { create, match, update, skip } = result.counts;
  return (
    <div data-state={result.mode}>
      <p role="status">{result.mode === 'preview' ? 'Preview (nothing written yet)' : 'Applied'}: {match} matched, {update} updated, {create} new, {skip} skipped.</p>
      <div class="table-wrap">
        <table class="csv-import-rows">
          <caption class="sr-only">What each row of the file does</caption>
          <thead><tr><th scope="col">Row</th><th scope="col">Project</th><th scope="col">Action</th><th scope="col">Wedding</th><th scope="col">Why</th></tr></thead>
          <tbody>
            {result.rows.map((r) => (
              <tr key={r.row} data-action={r.action}>
                <td>{r.row}</td>
                <td>{r.reference ?? '—'}</td>
                <td>{ACTION_LABEL[r.action]}</td>
                <td>{r.weddingIds?.map(titleOf).join(', ') ?? '—'}</td>
                <td>{r.reason}{r.confidence !== undefined && r.confidence < 1 ? ` (${Math.round(r.confidence * 100)}% sure)` : ''}
                  {r.changes?.map((c) => ` · ${c.entity}: ${c.fields.join(', ')}`).join('')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
