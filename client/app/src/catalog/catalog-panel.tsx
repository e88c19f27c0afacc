import { useEffect, useMemo, useState } from 'preact/hooks';
import type { WorkspaceWedding } from '../account/account-api.ts';
import { describeApiError } from '../api/api-client.ts';
import { categoryLabel, connectionKindLabel, fetchCatalog, matchesSearch, matchRank, type CatalogEntry } from './catalog-api.ts';
import { ConnectFormView, type ShownSecret } from './connect-form.tsx';
import { SecretUrlPanel } from './secret-url.tsx';

interface Props {
  workspaceId: string;
  token: (() => Promise<string>) | null;
  weddings: WorkspaceWedding[];
  titleOf(weddingId: string): string;
  tokenFor(weddingId: string): Promise<string>;
  returnTo: string;
  onConnected(message: string): void;
}

/**
 * Every system this server connects (`GET /api/integrations/catalog`), searchable by name (and
 * other names: Táve finds VSCO Workspace) and filtered by category; each says how it connects, and
 * "Set up" opens the form generated from its form description.
 */
export function CatalogPanel({ workspaceId, token, weddings, titleOf, tokenFor, returnTo, onConnected }: Props) {
  const [systems, setSystems] = useState<CatalogEntry[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  const [category, setCategory] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [secret, setSecret] = useState<ShownSecret | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    fetchCatalog(controller.signal).then(setSystems, (error: Error) => {
      if (error.name !== 'AbortError') setProblem(describeApiError(error, 'Loading the catalogue'));
    });
    return () => controller.abort();
  }, []);

  const categories = useMemo(() => [...new Set((systems ?? []).map((s) => s.category))], [systems]);
  // Names that match come first (Array.prototype.sort is stable: the catalogue's order stays within each rank).
  const shown = (systems ?? []).filter((s) => (!category || s.category === category) && matchesSearch(s, query))
    .sort((a, b) => matchRank(a, query) - matchRank(b, query));

  return (
    <section aria-labelledby="catalog-heading" class="catalog">
      <h2 id="catalog-heading">Connect a system</h2>
      {problem && <p class="form-errors" role="alert">{problem}</p>}
      {secret && <SecretUrlPanel idPrefix="connected-secret" system={secret.system} url={secret.url} triggers={secret.triggers} signingSecret={secret.signingSecret} onDismiss={() => setSecret(null)} />}
      <div class="catalog-filters" role="search">
        <div class="field"><label for="catalog-search">Search systems</label>
          <input id="catalog-search" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} placeholder="Calendly, Táve, Stripe…" /></div>
        <div class="field"><label for="catalog-category">Category</label>
          <select id="catalog-category" value={category} onChange={(e) => setCategory(e.currentTarget.value)}>
            <option value="">All categories</option>
            {categories.map((c) => <option key={c} value={c}>{categoryLabel(c)}</option>)}
          </select></div>
      </div>
      {!systems && !problem && <p class="muted" role="status">Loading the catalogue…</p>}
      {systems && <p class="muted" role="status">{shown.length === 1 ? '1 system' : `${shown.length} systems`}{query || category ? ' match' : ''}</p>}
      <ul class="catalog-list">
        {shown.map((s) => (
          <li key={s.id} class={`catalog-entry${open === s.id ? ' is-open' : ''}`} data-system={s.id}>
            <h3 id={`catalog-${s.id}`}>{s.name}{s.aliases.length > 0 && <span class="muted"> ({s.aliases.join(', ')})</span>}</h3>
            <p><span class="tag">{categoryLabel(s.category)}</span>{' '}
              <span class="connects">Connects by {s.connects.map(connectionKindLabel).join(', ')}</span></p>
            <details>
              <summary>What syncs<span class="sr-only"> with {s.name}</span></summary>
              {s.inbound.length > 0 && <><p>Into the wedding:</p><ul>{s.inbound.map((t) => <li key={t}>{t}</li>)}</ul></>}
              {s.outbound.length > 0 && <><p>Out to {s.name}:</p><ul>{s.outbound.map((t) => <li key={t}>{t}</li>)}</ul></>}
              {s.cannot.length > 0 && <><p>What it cannot do:</p><ul>{s.cannot.map((t) => <li key={t}>{t}</li>)}</ul></>}
            </details>
            {s.form ? (
              <button type="button" aria-expanded={open === s.id} aria-controls={open === s.id ? `catalog-form-${s.id}` : undefined}
                onClick={() => setOpen(open === s.id ? null : s.id)}>Set up {s.name}</button>
            ) : s.connects.some((c) => c.kind === 'csv') ? (
              <p class="muted">Import its CSV export with “Import a CSV export” below.</p>
            ) : null}
            {open === s.id && s.form && (
              <div id={`catalog-form-${s.id}`}>
                <ConnectFormView entry={s} form={s.form} workspaceId={workspaceId} token={token} weddings={weddings} titleOf={titleOf} tokenFor={tokenFor} returnTo={returnTo}
                  onConnected={(message, shownSecret) => { setOpen(null); if (shownSecret) setSecret(shownSecret); onConnected(message); }} />
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
