import { describe, expect, it } from 'vitest';
import type { ConnectionResult, ImportResponse, UnmatchedSummary } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, studio } from './helpers.ts';
import { serverSql } from '../helpers/test-backend.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };
const WEDDINGS = [
  { id: 'w-sam', meta: { title: 'Sam & Alex', date: '2027-06-12', timezone: 'America/Los_Angeles', venue: 'Pier 9' }, start: '2027-06-12T14:00:00-07:00' },
] as const;
const HEADER = 'Project ID,Project Name,Project Type,Project Date,Stage,Client Name,Client Email,Location,Total Value,Paid';
const PRIYA = 'hb-001,Priya & Tom Wedding,Wedding,09/18/2027,Inquiry,Priya Shah & Tom Reed,priya@example.com,"Rosewood Barn, Napa","$4,000.00",$0.00';
const NOOR = 'hb-002,Mia & Noor Wedding,Wedding,10/02/2027,Inquiry,Mia Park & Noor Ali,mia@example.com,Casa Verde,"$3,000.00",$0.00';
const file = (...rows: string[]) => [HEADER, ...rows].join('\r\n') + '\r\n';

/** A HoneyBook preset connection made from the catalogue with its defaults (no zone, no vendor), and a new couple's rows imported. */
async function imported(t: TestServer, configuration: Record<string, unknown>) {
  const { pat } = await studio(t, WEDDINGS);
  const workspaceId = (await t.server.people.weddingWorkspace('w-sam'))!;
  const as = await pat.accessToken('w-sam');
  const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
    workspaceId, system: 'preset', label: '', configuration: { preset: 'honeybook', direction: 'inbound', ...configuration },
  } });
  expect(connected.status, JSON.stringify(connected.body)).toBe(201);
  const applied = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId: connected.body.connectionId, csv: file(PRIYA, NOOR), mode: 'apply' } });
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  const queue = async () => (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${workspaceId}/unmatched`, as)).body.records;
  let entries: UnmatchedSummary[] = [];
  await waitFor(async () => (entries = await queue()).length === 2 && entries.every((e) => e.recordIds.length >= 2), 'both projects queued with their payments');
  return { as, queue, entries, byTitle: (title: string) => entries.find((e) => e.record.title.startsWith(title))! };
}

describe('the unmatched queue: one entry per external job, a zone never guessed', () => {
  it('lists a new HoneyBook project once, names HoneyBook, and creating its wedding asks for the zone and takes every record', async () => {
    const t = await startTestServer({ env });
    const { as, queue, entries, byTitle } = await imported(t, {});
    const priya = byTitle('Priya');
    // Titled by the HoneyBook project, with the client beside it.
    expect(entries.map((e) => [e.record.title, e.record.client]).sort()).toEqual([['Mia & Noor Wedding', 'Mia Park & Noor Ali'], ['Priya & Tom Wedding', 'Priya Shah & Tom Reed']]);
    expect(priya).toMatchObject({ system: 'preset', systemName: 'HoneyBook', suggestedTimeZone: null, record: { date: '2027-09-18', venue: 'Rosewood Barn, Napa' } });
    expect(priya.recordIds[0]).toBe(priya.id);
    expect(new Set(priya.recordIds).size).toBe(priya.recordIds.length);

    // No zone in the record nor on the connection: the API refuses rather than choosing UTC.
    const refused = await api<{ error: { code: string; message: string } }>(t, `/api/unmatched/${priya.id}/create-wedding`, as, { json: {} });
    expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 400, code: 'timezone_required' });
    expect(refused.body.error.message).toMatch(/time zone/);
    expect(await serverSql(t.server).value('SELECT count(*) FROM weddings')).toBe(1);

    const made = await api<{ weddingId: string }>(t, `/api/unmatched/${priya.id}/create-wedding`, as, { json: { timezone: 'America/Los_Angeles' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const meta = await t.server.bridge.withDocument(made.body.weddingId, (doc) => doc.getMap('meta').toJSON());
    expect(meta).toMatchObject({ timezone: 'America/Los_Angeles', date: '2027-09-18', venue: 'Rosewood Barn, Napa' });
    // Every record of the project went with it: only Mia & Noor's entry is left.
    const left = await queue();
    expect(left.map((e) => e.record.title)).toEqual(['Mia & Noor Wedding']);
    const status = (id: string) => serverSql(t.server).value('SELECT status FROM unmatched WHERE id = ?', id);
    expect(await Promise.all(priya.recordIds.map(status))).toEqual(['created', ...priya.recordIds.slice(1).map(() => 'assigned')]);

    // Ignoring an entry ignores all its records.
    const mia = byTitle('Mia');
    expect((await api(t, `/api/unmatched/${mia.id}/ignore`, as, { json: {} })).status).toBe(200);
    expect(await queue()).toEqual([]);
    const ignored = await Promise.all(mia.recordIds.map(status));
    expect(ignored).toEqual(mia.recordIds.map(() => 'ignored'));
  });

  it('suggests the connection\'s zone and uses it when none is sent', async () => {
    const t = await startTestServer({ env });
    const { as, byTitle } = await imported(t, { timeZone: 'America/Los_Angeles' });
    const priya = byTitle('Priya');
    expect(priya.suggestedTimeZone).toBe('America/Los_Angeles');
    const made = await api<{ weddingId: string }>(t, `/api/unmatched/${priya.id}/create-wedding`, as, { json: {} });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const meta = await t.server.bridge.withDocument(made.body.weddingId, (doc) => doc.getMap('meta').toJSON());
    expect(meta.timezone).toBe('America/Los_Angeles');
  });

  it('holds a payment that names no vendor, on a binding that acts for none, with a reason in plain words', async () => {
    const t = await startTestServer({ env });
    const { pat } = await studio(t, WEDDINGS);
    const workspaceId = (await t.server.people.weddingWorkspace('w-sam'))!;
    const as = await pat.accessToken('w-sam');
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId, system: 'preset', label: '', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'America/Los_Angeles' },
    } });
    const { connectionId } = connected.body;
    expect((await api(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: 'w-sam', references: ['hb-sam'] } })).status).toBe(201);
    const row = 'hb-sam,Sam & Alex Wedding,Wedding,06/12/2027,Planning,Sam & Alex,sam@example.com,Pier 9,"$5,000.00",$0.00';
    expect((await api(t, '/api/integrations/import', as, { json: { connectionId, csv: file(row), mode: 'apply' } })).status).toBe(200);
    const parked = () => serverSql(t.server).value<string>("SELECT last_error FROM inbox WHERE status = 'parked'");
    await waitFor(async () => (await parked()) !== undefined, 'the payment held');
    expect(await parked()).toMatch(/payments need to know which vendor they are for: choose the vendor on this wedding's binding/);
    expect(await parked()).not.toMatch(/expected string, received undefined/);
    const list = await api<{ connections: Array<{ connectionId: string; health: { attention: string | null } }> }>(t, `/api/workspaces/${workspaceId}/connections`, as);
    const attention = list.body.connections.find((c) => c.connectionId === connectionId)!.health.attention ?? '';
    expect(attention).toContain('could not be applied');
    expect(attention).not.toContain('audit trail');
  });
});
