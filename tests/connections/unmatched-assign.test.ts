import { describe, expect, it } from 'vitest';
import type { Conflict, ConnectionResult, ImportResponse, UnmatchedSummary } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, studio } from './helpers.ts';
import { serverSql } from '../helpers/test-backend.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };
const SAM = { id: 'w-sam', meta: { title: 'Sam & Alex', date: '2027-06-12', timezone: 'Europe/London', venue: 'Pier 9' }, start: '2027-06-12T14:00:00+01:00' } as const;
const HEADER = 'Project ID,Project Name,Project Type,Project Date,Stage,Client Name,Client Email,Location,Total Value,Paid';
// Trial 23's second file: the same couple's date, another project name and venue, initials for the client.
const SECOND = 'hb-004,Sam and Alex (second file),Wedding,06/12/2027,Inquiry,S. & A.,sam@example.com,Hengrave,"$1,200.00",$0.00';

describe('assigning an unmatched record to a wedding that exists', () => {
  it('keeps the wedding\'s title and venue, records each difference as a pending conflict, and applies the rest', async () => {
    const t = await startTestServer({ env });
    const { pat } = await studio(t, [SAM]);
    const workspaceId = (await t.server.people.weddingWorkspace('w-sam'))!;
    const as = await pat.accessToken('w-sam');
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId, system: 'preset', label: '', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId } = connected.body;
    // Bound to Sam & Alex for Lens & Light, as in the trial: the rules may suggest it, but not route to it.
    expect((await api(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: 'w-sam', vendorId: 'photo' } })).status).toBe(201);
    const csv = `${HEADER}\r\n${SECOND}\r\n`;
    const applied = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv, mode: 'apply' } });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);

    const queue = async () => (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${workspaceId}/unmatched`, as)).body.records;
    let entries: UnmatchedSummary[] = [];
    await waitFor(async () => (entries = await queue()).length === 1 && entries[0]!.recordIds.length >= 2, 'the project queued with its payment');
    const entry = entries[0]!;
    // Titled by the project, with the client beside it.
    expect(entry.record).toMatchObject({ title: 'Sam and Alex (second file)', client: 'S. & A.', venue: 'Hengrave', date: '2027-06-12' });

    const assigned = await api<{ record: UnmatchedSummary }>(t, `/api/unmatched/${entry.id}/assign`, as, { json: { weddingIds: ['w-sam'] } });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    expect(assigned.body.record.status).toBe('assigned');

    const read = () => t.server.bridge.withDocument('w-sam', (doc) => ({
      meta: doc.getMap('meta').toJSON() as Record<string, unknown>,
      conflicts: doc.getArray('conflicts').toJSON() as Conflict[],
      payments: Object.values(doc.getMap('payments').toJSON()) as Array<Record<string, unknown>>,
    }));
    const appliedRows = () => serverSql(t.server).value("SELECT count(*) FROM inbox WHERE wedding_id = 'w-sam' AND event_id LIKE 'unmatched_%' AND status = 'applied'");
    await waitFor(async () => (await appliedRows()) === entry.recordIds.length, 'every record of the project applied to Sam & Alex');
    expect((await read()).payments.map((p) => p.amount)).toContain(120000);
    const after = await read();
    expect(after.meta).toMatchObject({ title: 'Sam & Alex', venue: 'Pier 9', date: '2027-06-12', timezone: 'Europe/London' });
    const pending = after.conflicts.filter((c) => c.status === 'pending').map((c) => ({ entity: c.entity, field: c.field, local: c.localValue, remote: c.remoteValue, strategy: c.strategy }));
    expect(pending.sort((a, b) => a.field.localeCompare(b.field))).toEqual([
      { entity: 'meta', field: 'title', local: 'Sam & Alex', remote: 'Sam and Alex (second file)', strategy: 'manual' },
      { entity: 'meta', field: 'venue', local: 'Pier 9', remote: 'Hengrave', strategy: 'manual' },
    ]);

    // A person settles one with the existing conflict machinery: the record's venue wins, the title stays.
    const venue = after.conflicts.find((c) => c.field === 'venue')!;
    const resolved = await api<{ conflict: Conflict }>(t, `/api/integrations/wedding/w-sam/conflicts/${venue.id}/resolve`, as, { json: { winner: 'remote' } });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect((await read()).meta).toMatchObject({ title: 'Sam & Alex', venue: 'Hengrave' });
  });

  it('fills the wedding\'s empty identity fields from the record without a conflict', async () => {
    const t = await startTestServer({ env });
    const { pat } = await studio(t, [{ ...SAM, meta: { title: 'Sam & Alex', date: '2027-06-12', timezone: 'Europe/London' } }]);
    const workspaceId = (await t.server.people.weddingWorkspace('w-sam'))!;
    const as = await pat.accessToken('w-sam');
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId, system: 'preset', label: '', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London' },
    } });
    const { connectionId } = connected.body;
    expect((await api(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: 'w-sam', vendorId: 'photo' } })).status).toBe(201);
    expect((await api(t, '/api/integrations/import', as, { json: { connectionId, csv: `${HEADER}\r\n${SECOND}\r\n`, mode: 'apply' } })).status).toBe(200);
    let entries: UnmatchedSummary[] = [];
    await waitFor(async () => (entries = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${workspaceId}/unmatched`, as)).body.records).length === 1 && entries[0]!.recordIds.length >= 2, 'the project queued with its payment');
    expect((await api(t, `/api/unmatched/${entries[0]!.id}/assign`, as, { json: { weddingIds: ['w-sam'] } })).status).toBe(200);
    const appliedRows = () => serverSql(t.server).value("SELECT count(*) FROM inbox WHERE wedding_id = 'w-sam' AND event_id LIKE 'unmatched_%' AND status = 'applied'");
    await waitFor(async () => (await appliedRows()) === entries[0]!.recordIds.length, 'every record of the project applied');
    const read = () => t.server.bridge.withDocument('w-sam', (doc) => ({
      meta: doc.getMap('meta').toJSON() as Record<string, unknown>,
      conflicts: (doc.getArray('conflicts').toJSON() as Conflict[]).filter((c) => c.status === 'pending').map((c) => c.field),
    }));
    expect(await read()).toMatchObject({ meta: { title: 'Sam & Alex', venue: 'Hengrave' }, conflicts: ['title'] });
  });

  it('keeps them too when the matching rules route the record by themselves: a guess, however sure, renames nothing', async () => {
    const t = await startTestServer({ env });
    const { pat } = await studio(t, [SAM]);
    const workspaceId = (await t.server.people.weddingWorkspace('w-sam'))!;
    const as = await pat.accessToken('w-sam');
    // Sure enough for the rules to route it without asking (the trial's row is a 50% match).
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId, system: 'preset', label: '', autoMatchConfidence: 0.4, configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId } = connected.body;
    expect((await api(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: 'w-sam', vendorId: 'photo' } })).status).toBe(201);
    const applied = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: `${HEADER}\r\n${SECOND}\r\n`, mode: 'apply' } });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const matched = () => serverSql(t.server).value<number>("SELECT count(*) FROM audit WHERE action = 'route.matched' AND wedding_id = 'w-sam'");
    await waitFor(async () => ((await matched()) ?? 0) > 0, 'the record routed to Sam & Alex by the rules');
    const read = () => t.server.bridge.withDocument('w-sam', (doc) => ({
      meta: doc.getMap('meta').toJSON() as Record<string, unknown>,
      conflicts: doc.getArray('conflicts').toJSON() as Conflict[],
    }));
    await waitFor(async () => (await read()).conflicts.some((c) => c.field === 'venue'), 'the venue\'s difference as a conflict');
    const after = await read();
    expect(after.meta).toMatchObject({ title: 'Sam & Alex', venue: 'Pier 9', date: '2027-06-12' });
    expect(after.conflicts.filter((c) => c.status === 'pending').map((c) => [c.field, c.localValue, c.remoteValue]).sort()).toEqual([
      ['title', 'Sam & Alex', 'Sam and Alex (second file)'],
      ['venue', 'Pier 9', 'Hengrave'],
    ]);
    expect((await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${workspaceId}/unmatched`, as)).body.records).toEqual([]);
  });
});
