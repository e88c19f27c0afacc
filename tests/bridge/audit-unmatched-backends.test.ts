import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, sqliteAuditRecords, type AuditRecords } from '../../server/bridge/audit-log.ts';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationStore, sqliteIntegrationRecords, type IntegrationRecords } from '../../server/bridge/integration-store.ts';
import { PostgresAuditLog } from '../../server/bridge/postgres-audit-log.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { PostgresUnmatchedStore } from '../../server/bridge/postgres-unmatched-store.ts';
import { sqliteUnmatchedRecords, UnmatchedStore, type UnmatchedRecord, type UnmatchedRecords } from '../../server/bridge/unmatched-store.ts';
import { openDatabase } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. The audit trail of every inbound and outbound action, and
// the workspace's queue of records no binding claimed (issue 12 item 2), on SQLite and PostgreSQL.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const cipher = createCredentialCipher(crypto.randomBytes(32));
let clock = Date.parse('2026-12-03T09:00:00.000Z');
const now = () => clock;

interface Opened { audit: AuditRecords; unmatched: UnmatchedRecords; integrations: IntegrationRecords }
function openSqlite(): Opened {
  const sqlite = openDatabase(tempDir('audit-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return { audit: sqliteAuditRecords(new AuditLog(sqlite, now)), unmatched: sqliteUnmatchedRecords(new UnmatchedStore(sqlite)), integrations: sqliteIntegrationRecords(new IntegrationStore(sqlite, cipher)) };
}
function openPostgres(): Opened {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  return { audit: new PostgresAuditLog(pool, now), unmatched: new PostgresUnmatchedStore(pool), integrations: new PostgresIntegrationStore(pool, cipher) };
}

let n = 0;
const unique = (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}_${process.pid}`;

/** A connection of workspace-less weddings (the unmatched rows reference it). */
async function connection(o: Opened): Promise<string> {
  const id = unique('con');
  await o.integrations.createStandalone({
    id, weddingId: unique('w'), system: 'preset', category: 'photography_crm', vendorId: null, runMode: 'in_process', credentials: {}, webhookSecret: 'whsec_x',
    configuration: {}, configurationSecrets: [], capabilities: ['webhook'], createdBy: 'per_a', connector: { sub: 'per_a', role: 'planner', vendorId: null },
  });
  return id;
}

const record = (externalId: string, over: Record<string, unknown> = {}): UnmatchedRecord['change'] =>
  ({ op: 'upsert', entity: 'timeline', externalId, data: { title: `Inquiry ${externalId}` }, ...over }) as UnmatchedRecord['change'];

describe.each([['sqlite', openSqlite], ['postgres', openPostgres]] as const)('audit and unmatched on %s', (_name, open) => {
  it('the audit trail pages newest first, measures push failures and the last success; odd text is stored as U+FFFD', async () => {
    const { audit } = open();
    const w = unique('w');
    const i = unique('int');
    const results = ['ok', 'failed', 'ok', 'ok'] as const;
    for (const [k, result] of results.entries()) {
      clock += 1000;
      await audit.record({ weddingId: w, integrationId: i, actor: 'system', action: k === 3 ? 'inbound.applied' : k === 1 ? 'push.failed' : 'push.delivered', result, detail: { k } });
    }
    await audit.record({ weddingId: w, integrationId: null, actor: 'user:per\u0000', action: 'webhook.refused', entity: 'timeline', entityId: 'x\ud800', result: 'refused', detail: { error: 'bad\u0000' } });
    const first = await audit.list(w, 3);
    expect(first.entries.map((e) => e.action)).toEqual(['webhook.refused', 'inbound.applied', 'push.delivered']);
    expect(first.entries[0]).toMatchObject({ actor: 'user:per\ufffd', entityId: 'x\ufffd', integrationId: null, detail: { error: 'bad\u0000' } });
    expect(first.nextCursor).toBe(first.entries[2]!.id);
    const rest = await audit.list(w, 3, first.nextCursor!);
    expect(rest.entries.map((e) => e.detail)).toEqual([{ k: 1 }, { k: 0 }]);
    expect(rest.nextCursor).toBeNull();
    expect(await audit.pushErrorRate(i)).toBeCloseTo(1 / 3);
    expect(await audit.pushErrorRate('int_none')).toBe(0);
    // Delivered after it failed: no attempt failed since the newest delivered one.
    expect(await audit.failedPushes(i, 3)).toEqual([]);
    expect(await audit.failedPushes('int_none', 3)).toEqual([]);
    expect(await audit.lastSuccess(i, ['push.delivered'])).toBe(new Date(clock - 1000).toISOString());
    expect(await audit.lastSuccess(i, ['push.delivered', 'inbound.applied'])).toBe(new Date(clock).toISOString());
    expect(await audit.lastSuccess(i, ['push.failed'])).toBeNull();
    // Failed since, newest first, at most `limit`: refused for good only when dead-lettered for a
    // reason retrying cannot mend (outbox-worker.ts records `code` and `outcome`).
    const failures = [
      { code: 'transient', outcome: 'retry' }, { code: 'transient', outcome: 'dead' }, { code: 'unauthorized', outcome: 'dead' },
      { code: 'rate_limited', outcome: 'dead' }, { code: 'permanent', outcome: 'dead' }, { code: 'gone', outcome: 'dead' }, {},
    ];
    const at: string[] = [];
    for (const detail of failures) {
      clock += 1000;
      at.push(new Date(clock).toISOString());
      await audit.record({ weddingId: w, integrationId: i, actor: 'system', action: 'push.failed', result: 'failed', detail });
    }
    expect(await audit.failedPushes(i, 3)).toEqual([{ at: at[6], refused: false }, { at: at[5], refused: true }, { at: at[4], refused: true }]);
    expect((await audit.failedPushes(i, 10)).map((f) => f.refused)).toEqual([false, true, true, false, false, false, false]);
    // Another integration's attempts are not this one's; a delivery ends the run.
    await audit.record({ weddingId: w, integrationId: unique('int'), actor: 'system', action: 'push.delivered', result: 'ok', detail: {} });
    expect(await audit.failedPushes(i, 10)).toHaveLength(7);
    await audit.record({ weddingId: w, integrationId: i, actor: 'system', action: 'push.delivered', result: 'ok', detail: {} });
    expect(await audit.failedPushes(i, 10)).toEqual([]);
  });

  it('a connection\'s trail: the entries of any of its integrations, across weddings, newest first, in pages', async () => {
    const { audit } = open();
    const [connection, binding, other] = [unique('con'), unique('int'), unique('int')];
    const written: { integrationId: string; weddingId: string }[] = [
      { integrationId: connection, weddingId: '' }, { integrationId: binding, weddingId: unique('w') }, { integrationId: other, weddingId: unique('w') },
      { integrationId: binding, weddingId: unique('w') }, { integrationId: connection, weddingId: '' },
    ];
    for (const [k, e] of written.entries()) await audit.record({ ...e, actor: 'system', action: k % 2 ? 'push.delivered' : 'webhook.received', result: 'ok', detail: { k } });
    const all = await audit.listForIntegrations([connection, binding, binding], 10);
    expect(all.entries.map((e) => e.detail.k)).toEqual([4, 3, 1, 0]);
    expect(all.nextCursor).toBeNull();
    const first = await audit.listForIntegrations([connection, binding], 3);
    expect(first.entries.map((e) => e.detail.k)).toEqual([4, 3, 1]);
    const rest = await audit.listForIntegrations([connection, binding], 3, first.nextCursor!);
    expect([rest.entries.map((e) => e.detail.k), rest.nextCursor]).toEqual([[0], null]);
    expect((await audit.listForIntegrations([], 10)).entries).toEqual([]);
  });

  it('a record waits once per external record with its latest content, is found by reference, resolved, counted and forgotten', async () => {
    const o = open();
    const c = await connection(o);
    const first = await o.unmatched.put({ connectionId: c, workspaceId: 'wks_a', change: record('job-1', { reference: 'JOB-1' }), proposals: [], at: 1000 });
    const again = await o.unmatched.put({ connectionId: c, workspaceId: 'wks_a', change: record('job-1', { reference: 'JOB-1', data: { title: 'Newer' } }),
      proposals: [{ weddingId: 'w1', confidence: 0.9, reasons: ['date'] }] as never, at: 2000 });
    expect(again).toMatchObject({ id: first.id, status: 'open', receivedAt: 1000, updatedAt: 2000, change: { data: { title: 'Newer' } }, proposals: [{ weddingId: 'w1' }] });
    const odd = await o.unmatched.put({ connectionId: c, workspaceId: 'wks_a', change: record('ext\u0000\ud800'), proposals: [], at: 3000 });
    expect(odd.externalId).toBe('ext\u0000\ud800');
    expect((await o.unmatched.byRecord(c, 'timeline', 'ext\u0000\ud800'))?.id).toBe(odd.id);
    await o.unmatched.put({ connectionId: c, workspaceId: 'wks_b', change: record('job-2', { reference: 'JOB-2' }), proposals: [], at: 3000 });

    expect((await o.unmatched.list('wks_a', null)).map((r) => r.externalId)).toEqual(['ext\u0000\ud800', 'job-1']);
    expect((await o.unmatched.openWithReference(c, ['JOB-1', 'JOB-2'])).map((r) => r.externalId)).toEqual(['job-1', 'job-2']);
    expect(await o.unmatched.openWithReference(c, [])).toEqual([]);
    expect(await o.unmatched.openCount(c)).toBe(3);

    await o.unmatched.resolve(first.id, 'assigned', 'per_a', ['w1'], 4000);
    expect(await o.unmatched.get(first.id)).toMatchObject({ status: 'assigned', resolvedBy: 'per_a', weddingIds: ['w1'], updatedAt: 4000 });
    expect((await o.unmatched.list('wks_a', 'open')).map((r) => r.externalId)).toEqual(['ext\u0000\ud800']);
    expect(await o.unmatched.openWithReference(c, ['JOB-1'])).toEqual([]);
    // Put again after it was assigned: the content is kept up to date, the status stays.
    expect((await o.unmatched.put({ connectionId: c, workspaceId: 'wks_a', change: record('job-1'), proposals: [], at: 5000 })).status).toBe('assigned');
    // Forgetting leaves an assigned record alone and drops an open one.
    await o.unmatched.forget(c, 'timeline', 'job-1');
    await o.unmatched.forget(c, 'timeline', 'ext\u0000\ud800');
    expect(await o.unmatched.get(first.id)).toBeDefined();
    expect(await o.unmatched.get(odd.id)).toBeUndefined();
    expect(await o.unmatched.openCount(c)).toBe(1);
    // A record of an unknown connection is refused.
    await expect(o.unmatched.put({ connectionId: 'con_missing', workspaceId: null, change: record('x'), proposals: [], at: 1 })).rejects.toThrow();
  });
});

describe('unmatched across instances (PostgreSQL)', () => {
  it('one external record put through three instances at once is one record', async () => {
    const [a, b, c] = [openPostgres(), openPostgres(), openPostgres()];
    const con = await connection(a);
    const put = await Promise.all([a, b, c].map((o, k) => o.unmatched.put({ connectionId: con, workspaceId: 'wks_r', change: record('same'), proposals: [], at: 1000 + k })));
    expect(new Set(put.map((r) => r.id)).size).toBe(1);
    expect(await a.unmatched.openCount(con)).toBe(1);
  });
});

describe('unmatched: PostgreSQL against SQLite', () => {
  it('any sequence of puts, resolutions and forgets answers and lists the same on both (fast-check)', async () => {
    const sqlite = openSqlite();
    const postgres = openPostgres();
    const ext = fc.constantFrom('a', 'b', 'B', 'é', 'a\u0000', 'a\ufffd');
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), ext, ref: fc.option(fc.constantFrom('R1', 'R2'), { nil: undefined }), at: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ kind: fc.constant('resolve' as const), ext, status: fc.constantFrom('assigned', 'created', 'ignored') }),
      fc.record({ kind: fc.constant('forget' as const), ext }),
    );
    await assertProperty(fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
      const run = async (o: Opened) => {
        const c = await connection(o);
        const workspace = unique('wks');
        const answers: unknown[] = [];
        for (const p of ops) {
          if (p.kind === 'put') {
            const r = await o.unmatched.put({ connectionId: c, workspaceId: workspace, change: record(p.ext, p.ref ? { reference: p.ref } : {}), proposals: [], at: p.at });
            answers.push([r.externalId, r.status, r.receivedAt, r.updatedAt]);
          } else {
            const found = await o.unmatched.byRecord(c, 'timeline', p.ext);
            if (p.kind === 'resolve' && found) await o.unmatched.resolve(found.id, p.status, 'per_a', ['w1'], 9);
            if (p.kind === 'forget') await o.unmatched.forget(c, 'timeline', p.ext);
            answers.push(found?.status ?? null);
          }
        }
        const shape = (rs: UnmatchedRecord[]) => rs.map((r) => [r.externalId, r.status, r.receivedAt, r.updatedAt, r.change.reference ?? null]);
        // Same received_at: ties break by id, which is random; compare as sets within each time. The
        // external ids are ordered by code unit: localeCompare counts 'a' and 'a\u0000' equal (U+0000
        // is ignorable in collation), which left their order to the backends' random ids.
        const codeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
        const byTime = (rs: unknown[][]) => rs.sort((x, y) => Number(y[2]) - Number(x[2]) || codeUnits(String(x[0]), String(y[0])));
        return {
          answers, count: await o.unmatched.openCount(c),
          listed: byTime(shape(await o.unmatched.list(workspace, null))),
          open: byTime(shape(await o.unmatched.list(workspace, 'open'))),
          referenced: byTime(shape(await o.unmatched.openWithReference(c, ['R1', 'R2']))),
        };
      };
      expect(await run(postgres)).toEqual(await run(sqlite));
    }), { numRuns: 30 });
  });
});
