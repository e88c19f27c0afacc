import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ConnectionResult, ImportResponse, UnmatchedSummary } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, studio } from './helpers.ts';
import { serverSql } from '../helpers/test-backend.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

const WEDDINGS = [
  { id: 'w-jane', meta: { title: 'Jane & John', date: '2026-06-13', timezone: 'America/Los_Angeles', venue: 'Rosewood Barn' }, start: '2026-06-13T14:00:00-07:00' },
  { id: 'w-kai', meta: { title: 'Kai & Lee', date: '2026-07-18', timezone: 'America/Los_Angeles', venue: 'Pier 9' }, start: '2026-07-18T16:00:00-07:00' },
] as const;

const HEADER = 'Project ID,Project Name,Project Type,Project Date,Stage,Client Name,Client Email,Location,Total Value,Paid';
/** A HoneyBook projects export (adapters/presets/honeybook.json `csv`): Jane's project, a new one, and one whose total does not read. */
const ROWS = {
  jane: (paid = '"$2,500.00"', email = 'jane@example.com') => `hb-jane,Jane & John Wedding,Wedding,06/13/2026,Planning,Jane Smith & John Doe,${email},Rosewood Barn,"$8,500.00",${paid}`,
  fresh: 'hb-new,Mia & Noor Wedding,Wedding,09/05/2026,Inquiry,Mia Park & Noor Ali,mia@example.com,Casa Verde,"$4,000.00",$0.00',
  /** Not Kai & Lee's project id, but their date, names and venue: the matching rules route it. */
  kai: 'hb-kai-2,Kai & Lee Wedding,Wedding,07/18/2026,Planning,Kai Tan & Lee Moss,kai@example.com,Pier 9,"$3,000.00",$0.00',
  invalid: 'hb-bad,Broken Wedding,Wedding,10/10/2026,Inquiry,Ann & Bo,ann@example.com,Somewhere,a lot,$0.00',
};
const file = (...rows: string[]) => [HEADER, ...rows].join('\r\n') + '\r\n';

async function setUp(t: TestServer) {
  // The planner's studio runs HoneyBook (a planner's connection writes the whole wedding: meta too).
  const { pat } = await studio(t, WEDDINGS);
  const lens = { id: (await t.server.people.weddingWorkspace('w-jane'))! };
  const as = await pat.accessToken('w-jane');
  const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
    workspaceId: lens.id, system: 'preset', label: 'HoneyBook exports',
    configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'America/Los_Angeles', vendorId: 'photo' },
  } });
  expect(connected.status, JSON.stringify(connected.body)).toBe(201);
  const { connectionId } = connected.body;
  expect((await api(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: 'w-jane', references: ['hb-jane'] } })).status).toBe(201);
  expect((await api(t, `/api/connections/${connectionId}/bindings`, await pat.accessToken('w-kai'), { json: { weddingId: 'w-kai', references: ['hb-kai'] } })).status).toBe(201);
  return { lens, as, connectionId };
}

/** What an import could change: each wedding's document (state vector), the queue, receipts, audit rows. */
async function state(t: TestServer, workspaceId: string, token: string) {
  const vectors = await Promise.all(WEDDINGS.map((w) => t.server.bridge.withDocument(w.id, (doc) => Buffer.from(Y.encodeStateVector(doc)).toString('base64'))));
  const queue = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${workspaceId}/unmatched`, token)).body.records;
  const count = (table: string) => serverSql(t.server).value<number>(`SELECT count(*) FROM ${table}`);
  return { vectors, queue: queue.map((r) => [r.id, r.status, r.receivedAt, JSON.stringify(r.record)]), receipts: await count('connection_receipts'), audit: await count('audit'), inbox: await count('inbox') };
}

describe('importing a HoneyBook CSV export through the studio\'s preset connection', () => {
  it('previews without writing, applies as previewed, and a re-import changes nothing', async () => {
    const t = await startTestServer({ env });
    const { lens, as, connectionId } = await setUp(t);
    const csv = file(ROWS.jane(), ROWS.fresh, ROWS.invalid, ROWS.kai);
    const before = await state(t, lens.id, as);

    // ── preview: one row to Jane's wedding by its project id, one new, one invalid; nothing written ──
    const preview = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { workspaceId: lens.id, preset: 'honeybook', csv, mode: 'preview' } });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.connectionId).toBe(connectionId);
    expect(preview.body.counts).toEqual({ create: 1, match: 2, update: 0, skip: 1 });
    const [jane, fresh, invalid, kai] = preview.body.rows;
    expect(kai).toMatchObject({ row: 4, reference: 'hb-kai-2', action: 'match', weddingIds: ['w-kai'], reason: 'the matching rules', matchedOn: ['date', 'names', 'venue'] });
    expect(kai!.confidence).toBeGreaterThanOrEqual(0.8);
    expect(jane).toMatchObject({ row: 1, reference: 'hb-jane', action: 'match', weddingIds: ['w-jane'], confidence: 1, reason: 'the wedding holds reference hb-jane' });
    expect(fresh).toMatchObject({ row: 2, reference: 'hb-new', action: 'create', reason: 'no wedding holds it: it goes to the unmatched queue' });
    expect(invalid!.action).toBe('skip');
    expect(invalid!.reason).toMatch(/^invalid: .*payments\.amount.*a lot/);
    expect(await state(t, lens.id, as)).toEqual(before);

    // ── apply: the same decisions, written ──
    const applied = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv, mode: 'apply' } });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.rows.map((r) => [r.action, r.reason])).toEqual(preview.body.rows.map((r) => [r.action, r.reason]));
    const janeDoc = await t.connect('w-jane', as);
    await waitFor(() => janeDoc.doc.listPayments().length === 1, 'the project total in Jane & John\'s budget');
    expect(janeDoc.doc.listPayments()[0]).toMatchObject({ vendorId: 'photo', amount: 850000, amountPaid: 250000, currency: 'USD' });
    await waitFor(() => janeDoc.doc.getMeta().status === 'planning', 'the project stage as the wedding\'s status');
    const kaiDoc = await t.connect('w-kai', await t.token('planner', ['w-kai']));
    await waitFor(() => kaiDoc.doc.listPayments().some((p) => p.amount === 300000), 'the matched project\'s total in Kai & Lee\'s budget');
    let queued: UnmatchedSummary[] = [];
    await waitFor(async () => {
      queued = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched`, as)).body.records;
      return queued.length >= 1;
    }, 'the new project in the unmatched queue');
    expect(queued.every((r) => r.externalId.startsWith('hb-new:'))).toBe(true);
    expect(queued[0]!.record).toMatchObject({ date: '2026-09-05', venue: 'Casa Verde' });
    await waitFor(async () => (await serverSql(t.server).value("SELECT count(*) FROM inbox WHERE status = 'pending'")) === 0, 'the inbox applied');

    // ── the same file again: every row skipped, nothing changes ──
    const settled = await state(t, lens.id, as);
    const again = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv, mode: 'apply' } });
    expect(again.body.counts).toEqual({ create: 0, match: 0, update: 0, skip: 4 });
    expect(again.body.rows.map((r) => r.reason.replace(/^invalid: .*/, 'invalid'))).toEqual(['imported before (the same row)', 'imported before (the same row)', 'invalid', 'imported before (the same row)']);
    expect(await state(t, lens.id, as)).toEqual(settled);

    // ── the file posted as it is (text/csv, the rest in the query): the same answer ──
    const raw = await t.fetch(`/api/integrations/import?connectionId=${connectionId}&mode=preview`, { method: 'POST', token: as, headers: { 'content-type': 'text/csv; charset=utf-8' }, body: csv });
    expect(((await raw.json()) as ImportResponse).counts).toEqual(again.body.counts);

    // ── a later export: an unmapped column changed is unchanged content; a new amount paid is an update ──
    const later = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: file(ROWS.jane('"$2,500.00"', 'jane.doe@example.com')), mode: 'preview' } });
    expect(later.body.rows[0]).toMatchObject({ action: 'skip', reason: 'unchanged since the last import' });
    const paid = file(ROWS.jane('"$5,000.00"'));
    const update = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: paid, mode: 'preview' } });
    expect(update.body.rows[0]).toMatchObject({ action: 'update', weddingIds: ['w-jane'], changes: [{ weddingId: 'w-jane', entity: 'payments', fields: ['amountPaid'] }] });
    expect((await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: paid, mode: 'apply' } })).body.counts.update).toBe(1);
    await waitFor(() => janeDoc.doc.listPayments()[0]?.amountPaid === 500000, 'the new amount paid');
  });

  it('reads the export as a European spreadsheet re-saves it: sep=; line, semicolons, decimal commas, retyped and doubled columns, a stray quote', async () => {
    const t = await startTestServer({ env });
    const { as, connectionId } = await setUp(t);
    const header = `${HEADER.toLowerCase().replaceAll(',', ';').replace('project name', 'Project  Name')};LOCATION`;
    const excel = [
      'sep=;', header,
      'hb-jane;Jane "JJ" & John Wedding;Wedding;06/13/2026;Planning;Jane Smith & John Doe;jane@example.com;Rosewood Barn, Napa;8.500,00 $;2.500,00;',
      'hb-new;Mia & Noor Wedding;Wedding;09/05/2026;Inquiry;Mia Park & Noor Ali;mia@example.com;;4000,00;0;Casa Verde',
    ].join('\r\n') + '\r\n';
    const preview = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: excel, mode: 'preview' } });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.rows.map((r) => [r.reference, r.action])).toEqual([['hb-jane', 'match'], ['hb-new', 'create']]);
    await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: excel, mode: 'apply' } });
    const janeDoc = await t.connect('w-jane', as);
    await waitFor(() => janeDoc.doc.listPayments().length === 1, 'the project total in Jane & John\'s budget');
    expect(janeDoc.doc.listPayments()[0]).toMatchObject({ amount: 850000, amountPaid: 250000, currency: 'USD' });
    let queued: UnmatchedSummary[] = [];
    await waitFor(async () => {
      queued = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${(await t.server.people.weddingWorkspace('w-jane'))!}/unmatched`, as)).body.records;
      return queued.length >= 1;
    }, 'the new project in the unmatched queue');
    // The venue comes from the second Location column, the first being empty.
    expect(queued[0]!.record).toMatchObject({ date: '2026-09-05', venue: 'Casa Verde' });
  });

  it('refuses couples and viewers, unreadable files, too many rows, and a workspace without the preset', async () => {
    const t = await startTestServer({ env });
    const { lens, as, connectionId } = await setUp(t);
    const csv = file(ROWS.jane());
    for (const role of ['couple', 'viewer'] as const) {
      const r = await api<{ error: { code: string } }>(t, '/api/integrations/import', await t.token(role, ['w-jane']), { json: { connectionId, csv, mode: 'apply' } });
      expect({ role, status: r.status, code: r.body.error.code }).toEqual({ role, status: 403, code: 'role_forbidden' });
    }
    const refused = async (body: unknown, status: number, code: string, message?: RegExp) => {
      const r = await api<{ error: { code: string; message: string } }>(t, '/api/integrations/import', as, { json: body });
      expect({ status: r.status, code: r.body.error.code }).toEqual({ status, code });
      if (message) expect(r.body.error.message).toMatch(message);
    };
    await refused({ connectionId, csv: 'Project Name,Stage\r\nX,Inquiry\r\n', mode: 'preview' }, 400, 'validation_failed', /Project ID/);
    await refused({ connectionId, csv: `${HEADER}\r\n"unterminated,1\r\n`, mode: 'preview' }, 400, 'validation_failed', /csv/);
    await refused({ csv, mode: 'preview' }, 400, 'validation_failed');
    await refused({ workspaceId: lens.id, preset: 'dubsado', csv, mode: 'preview' }, 404, 'connection_not_found', /dubsado/);
    await refused({ connectionId, preset: 'dubsado', csv, mode: 'preview' }, 400, 'validation_failed', /honeybook/);
    await refused({ workspaceId: 'wks_other', preset: 'honeybook', csv, mode: 'preview' }, 403, 'workspace_forbidden');
    const many = file(...Array.from({ length: 10_001 }, (_, i) => `hb-${i},P,Wedding,06/13/2026,Inquiry,A & B,a@x.io,V,$1,$0`));
    await refused({ connectionId, csv: many, mode: 'apply' }, 413, 'payload_too_large', /10000 rows/);
    expect(await serverSql(t.server).value('SELECT count(*) FROM connection_receipts')).toBe(0);
    // A row with a cell too many is skipped, the others still read.
    const ragged = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: file(ROWS.jane(), `${ROWS.fresh},extra`), mode: 'preview' } });
    expect(ragged.body.rows.map((r) => r.action)).toEqual(['match', 'skip']);
    expect(ragged.body.rows[1]!.reason).toMatch(/^invalid: /);
  });
});
