import crypto from 'node:crypto';
import { sameField, type InboundChange } from '../../adapters/core/index.ts';
import { changesFromCsvRow, presetFor } from '../../adapters/presets/index.ts';
import { AdapterError } from '../../adapters/core/errors.ts';
import type { Principal } from '../auth/tokens.ts';
import { AuthError } from '../auth/auth-error.ts';
import { HttpError } from '../http/http-error.ts';
import type { Bridge } from './bridge.ts';
import { BridgeError } from './bridge-error.ts';
import { RAGGED, readCsv } from './csv-file.ts';
import type { LiveConnection } from './connection-runtime.ts';
import type { InboundRouter, RouteDecision } from './inbound-router.ts';

export { MAX_IMPORT_ROWS } from './csv-file.ts';

export type ImportAction = 'create' | 'match' | 'update' | 'skip';

/** What an import does (or would do, previewed) with one data row of the file. */
export interface ImportRow {
  /** 1-based position among the data rows (the header is not counted). */
  row: number;
  /** `csv:<preset>:<sha256 of the row>`: recorded in the connection's receipts once applied. */
  eventId: string;
  /** The system's id of the project the row belongs to (the preset's `reference`). */
  reference?: string;
  action: ImportAction;
  /** Why, in words (`skip`: invalid, imported before, unchanged). */
  reason: string;
  /** `match`/`update`: the weddings it goes to. */
  weddingIds?: string[];
  /** `match` by matching rules: the best proposal's confidence (0..1) and the facts that agreed; 1 for a reference. */
  confidence?: number;
  matchedOn?: string[];
  /** `update`: per wedding and entity, the fields whose value changes. */
  changes?: Array<{ weddingId: string; entity: string; fields: string[] }>;
}

export interface ImportResult {
  mode: 'preview' | 'apply';
  connectionId: string;
  preset: string;
  counts: Record<ImportAction, number>;
  rows: ImportRow[];
}

export interface ImportRequest {
  connectionId?: string | undefined;
  workspaceId?: string | undefined;
  preset?: string | undefined;
  csv: string;
  mode: 'preview' | 'apply';
}

/**
 * Imports a system's CSV export (its preset's `csv` section) through a workspace's `preset`
 * connection for that system, with the routing webhooks get (InboundRouter: links, named wedding or
 * reference, matching rules, unmatched queue). A connection is required, not made: it carries the
 * time zone, currency and vendor the rows are read with, and whether unmatched rows make weddings.
 * `preview` writes nothing; `apply` routes each row as one delivery whose event id is the hash of
 * preset and row, recorded in the connection's receipts, so importing the same file again changes
 * nothing; a row whose records already hold the same values (link content) is skipped too.
 */
export class CsvImport {
  private readonly router: InboundRouter;

  /** Routes rows with the bridge's own router (and its wedding-facts cache), as webhooks are routed. */
  constructor(private readonly bridge: Bridge) {
    this.router = bridge.router;
  }

  /**
   * Throws AuthError `workspace_forbidden`, BridgeError `connection_not_found` (no such connection
   * among those `p` manages, or none of the workspace for the preset, or not a running `preset`
   * connection), HttpError `validation_failed` (unreadable CSV, a header without the preset's
   * required columns) or `payload_too_large` (more than MAX_IMPORT_ROWS rows).
   */
  async run(p: Principal, req: ImportRequest): Promise<ImportResult> {
    const live = await this.target(p, req);
    const presetId = String(live.connection.configuration.preset);
    const preset = presetFor(presetId);
    if (!preset.csv) throw new HttpError(400, 'validation_failed', `${preset.name} has no CSV export`);
    const options = {
      ...(typeof live.connection.configuration.timeZone === 'string' ? { timeZone: live.connection.configuration.timeZone } : {}),
      ...(typeof live.connection.configuration.currency === 'string' ? { currency: live.connection.configuration.currency } : {}),
      ...(typeof live.connection.configuration.vendorId === 'string' ? { vendorId: live.connection.configuration.vendorId } : {}),
    };
    const rows = readCsv(preset, req.csv);
    const seen = new Set<string>();
    const out: ImportRow[] = [];
    const toApply: Array<{ result: ImportRow; changes: InboundChange[] }> = [];
    for (const [i, cells] of rows.entries()) {
      const eventId = `csv:${presetId}:${rowHash(presetId, cells)}`;
      const result: ImportRow = { row: i + 1, eventId, action: 'skip', reason: '' };
      out.push(result);
      if (RAGGED in cells) {
        result.reason = 'invalid: the row does not have as many cells as the header';
        continue;
      }
      let changes: InboundChange[];
      try {
        changes = changesFromCsvRow(preset, cells, options);
      } catch (error) {
        if (!(error instanceof AdapterError)) throw error;
        result.reason = `invalid: ${error.message}`;
        continue;
      }
      const reference = changes.flatMap((c) => ('reference' in c && c.reference ? [c.reference] : []))[0];
      if (reference) result.reference = reference;
      if (seen.has(eventId)) {
        result.reason = 'the same row appears earlier in the file';
        continue;
      }
      seen.add(eventId);
      // A row held at a wedding before (a payment waiting for its vendor) is routed again.
      if (await this.router.seenBefore(live.connection.id, eventId)) {
        result.reason = 'imported before (the same row)';
        continue;
      }
      const decisions: RouteDecision[] = [];
      for (const c of changes) decisions.push(await this.router.decide(live, c));
      Object.assign(result, await this.describe(live, decisions));
      if (result.action !== 'skip') toApply.push({ result, changes });
    }
    if (req.mode === 'apply') {
      for (const { result, changes } of toApply) {
        const routed = await this.router.route(live, changes, { eventId: result.eventId, receivedAt: this.bridge.clock(), once: true });
        if (routed.duplicate) Object.assign(result, { action: 'skip', reason: 'imported before (the same row)' });
      }
    }
    const counts: Record<ImportAction, number> = { create: 0, match: 0, update: 0, skip: 0 };
    for (const r of out) counts[r.action]++;
    return { mode: req.mode, connectionId: live.connection.id, preset: presetId, counts, rows: out };
  }

  private async target(p: Principal, req: ImportRequest): Promise<LiveConnection> {
    let connectionId = req.connectionId;
    if (!connectionId) {
      if (!req.workspaceId || !req.preset) throw new HttpError(400, 'validation_failed', 'invalid request body: give connectionId, or workspaceId and preset');
      if (!(await this.bridge.actsForWorkspace(p, req.workspaceId))) throw new AuthError('workspace_forbidden', `you do not act for workspace ${req.workspaceId}`);
      const found = (await this.bridge.store.connections.listForWorkspace(req.workspaceId))
        .find((c) => c.system === 'preset' && c.configuration.preset === req.preset && this.bridge.runtime.get(c.id));
      if (!found) throw new BridgeError('connection_not_found', `workspace ${req.workspaceId} has no active ${req.preset} connection: connect one (system "preset", configuration.preset "${req.preset}") first`);
      connectionId = found.id;
    }
    const connection = await this.bridge.connections.manageable(p, connectionId);
    const live = this.bridge.runtime.get(connection.id);
    if (!live || connection.system !== 'preset' || typeof connection.configuration.preset !== 'string') {
      throw new BridgeError('connection_not_found', 'imports go through an active connection of system "preset"');
    }
    if (req.preset && req.preset !== connection.configuration.preset) {
      throw new HttpError(400, 'validation_failed', `invalid request body: preset: the connection reads ${connection.configuration.preset}, not ${req.preset}`);
    }
    return live;
  }

  /** One row's routing decisions → what the import does with it. */
  private async describe(live: LiveConnection, decisions: RouteDecision[]): Promise<Omit<ImportRow, 'row' | 'eventId' | 'reference'>> {
    const queued = decisions.filter((d) => d.kind === 'queued');
    if (queued.length) {
      return { action: 'create', reason: live.connection.autoCreateWeddings ? 'no wedding holds it: a new wedding is created from it' : 'no wedding holds it: it goes to the unmatched queue' };
    }
    const weddings = (list: Array<{ integration: { weddingId: string } }>) => [...new Set(list.map((b) => b.integration.weddingId))];
    const matched = decisions.find((d) => d.kind === 'matched');
    if (matched) {
      return { action: 'match', reason: 'the matching rules', weddingIds: weddings([matched.binding]), confidence: matched.proposal.confidence, matchedOn: matched.proposal.reasons };
    }
    const referenced = decisions.find((d) => d.kind === 'referenced' || d.kind === 'named' || d.kind === 'claimed');
    if (referenced) {
      const bindings = referenced.kind === 'claimed' ? [referenced.binding] : referenced.bindings;
      const reason = referenced.kind === 'referenced' ? `the wedding holds reference ${referenced.change.reference}` : referenced.kind === 'named' ? 'the record names the wedding' : 'the connection\'s wedding takes every record';
      return { action: 'match', reason, weddingIds: weddings(bindings), confidence: 1 };
    }
    const changes: NonNullable<ImportRow['changes']> = [];
    for (const d of decisions) {
      if (d.kind !== 'linked') continue;
      for (const b of d.bindings) {
        const fields = await this.changedFields(b.integration.id, d.change, live.adapter.fields[d.change.entity] ?? []);
        if (fields.length) changes.push({ weddingId: b.integration.weddingId, entity: d.change.entity, fields });
      }
    }
    if (changes.length) return { action: 'update', reason: 'already imported: values changed', weddingIds: [...new Set(changes.map((c) => c.weddingId))], changes };
    if (decisions.some((d) => d.kind === 'linked')) return { action: 'skip', reason: 'unchanged since the last import' };
    return { action: 'skip', reason: 'for no wedding of this connection' };
  }

  private async changedFields(integrationId: string, change: Extract<InboundChange, { op: 'upsert' | 'delete' }>, synced: readonly string[]): Promise<string[]> {
    const link = await this.bridge.links.byExternalId(integrationId, change.entity, change.externalId);
    if (change.op === 'delete') return link ? ['(deleted)'] : [];
    if (!link) return Object.keys(change.data).filter((f) => synced.includes(f));
    return Object.keys(change.data).filter((f) => synced.includes(f) && !sameField(f, change.data[f], link.lastSynced[f]));
  }
}

/** The row's content, whatever its columns' order: equal rows of the same preset share an event id. */
function rowHash(preset: string, cells: Record<string, string>): string {
  const canonical = JSON.stringify(Object.keys(cells).sort().map((k) => [k, cells[k]]));
  return crypto.createHash('sha256').update(preset).update('\0').update(canonical).digest('base64url').slice(0, 32);
}
