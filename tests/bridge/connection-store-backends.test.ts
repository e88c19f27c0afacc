import crypto from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { IntegrationStore, sqliteIntegrationRecords, type BindRefused, type Integration, type IntegrationRecords, type NewStandalone } from '../../server/bridge/integration-store.ts';
import { LinkStore, sqliteLinkRecords, type LinkRecords } from '../../server/bridge/link-store.ts';
import { PostgresIntegrationStore } from '../../server/bridge/postgres-integration-store.ts';
import { PostgresLinkStore } from '../../server/bridge/postgres-link-store.ts';
import { SqlitePeopleStore, type PeopleStore } from '../../server/people/people-store.ts';
import { PostgresPeopleStore } from '../../server/people/postgres-people-store.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { applyPostgresMigrations } from '../../server/storage/postgres/migrations.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { assertProperty } from '../helpers/property.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: every store on both backends. A connection is one external account of a workspace,
// connected once; its bindings route it to weddings (issue 12). Same contract on SQLite and PostgreSQL.

const db = usePostgresDatabase();
const pools: pg.Pool[] = [];
beforeAll(async () => { await applyPostgresMigrations(db().admin); });
afterAll(async () => { await Promise.all(pools.map((p) => p.end())); });

const cipher = createCredentialCipher(crypto.randomBytes(32));

interface Opened { records: IntegrationRecords; links: LinkRecords; people: PeopleStore; sqlite: Db | null }
function openSqlite(): Opened {
  const sqlite = openDatabase(tempDir('connections-'), { synchronous: 'normal' });
  registerTeardown(() => sqlite.close());
  return { records: sqliteIntegrationRecords(new IntegrationStore(sqlite, cipher)), links: sqliteLinkRecords(new LinkStore(sqlite)), people: new SqlitePeopleStore(sqlite), sqlite };
}
function openPostgres(): Opened {
  const pool = new pg.Pool({ connectionString: db().url, max: 4 });
  pools.push(pool);
  return { records: new PostgresIntegrationStore(pool, cipher), links: new PostgresLinkStore(pool), people: new PostgresPeopleStore(pool), sqlite: null };
}

let n = 0;
/** A fresh id; ids made later sort later (listings break ties of one millisecond by id). */
const unique = (prefix: string) => `k${String(++n).padStart(6, '0')}_${prefix}_${process.pid}`;
const planner = { sub: 'per_a', role: 'planner' as const, vendorId: null };

function standalone(over: Partial<NewStandalone> = {}): NewStandalone {
  return {
    id: unique('con'), weddingId: unique('w'), system: 'webhooks', category: 'wedding_planning', vendorId: null, runMode: 'in_process',
    credentials: { apiKey: 'sk_live_secret' }, webhookSecret: 'whsec_secret', capabilities: ['push', 'webhook'], createdBy: 'per_a', connector: planner,
    configuration: { url: 'https://hooks.example.com/catch?token=hidden-token', direction: 'outbound' }, configurationSecrets: [{ path: ['url'], kind: 'url' }],
    ...over,
  };
}

const bindingOf = (connectionId: string, weddingId: string, over: Partial<Parameters<IntegrationRecords['create']>[0]> = {}) => ({
  id: unique('bnd'), connectionId, weddingId, system: 'webhooks', category: 'wedding_planning' as const, vendorId: null, runMode: 'in_process' as const,
  overrides: {}, capabilities: ['push'], createdBy: 'per_a', connector: planner, claimsUnmatched: false, onUnbind: 'keep' as const, ...over,
});

describe.each([['sqlite', openSqlite], ['postgres', openPostgres]] as const)('connections and bindings on %s', (_name, open) => {
  it('a standalone integration is a connection and one binding: secrets sealed, decrypted on read, shown redacted; listed by workspace, oldest first', async () => {
    const { records, people } = open();
    const owner = await people.createPerson({ name: 'Ana', email: `${unique('ana')}@example.com` });
    const workspace = await people.createWorkspace({ name: 'Studio', kind: 'photographer' }, owner.id);
    const made = await records.createStandalone(standalone({ workspaceId: workspace.id }));
    expect(made).toMatchObject({
      connectionId: made.id, claimsUnmatched: true, onUnbind: 'keep', status: 'active', credentials: { apiKey: 'sk_live_secret' }, webhookSecret: 'whsec_secret',
      configuration: { url: 'https://hooks.example.com/catch?token=hidden-token', direction: 'outbound' }, breakerState: 'closed', breakerUntil: null, consecutiveFailures: 0,
      references: [], connector: planner,
    });
    expect(JSON.stringify(made.configurationView)).not.toContain('hidden-token');
    expect(made.connection).toMatchObject({ workspaceId: workspace.id, status: 'active', autoCreateWeddings: false, autoMatchConfidence: 0.8, label: '' });
    expect(await records.get(made.id)).toEqual(made);
    const second = await records.connections.create({ ...standalone(), workspaceId: workspace.id, label: 'Shop\u0000 \ud800', autoCreateWeddings: true, autoMatchConfidence: 0.65 });
    expect(second).toMatchObject({ label: 'Shop\ufffd \ufffd', autoCreateWeddings: true, autoMatchConfidence: 0.65 });
    expect((await records.connections.listForWorkspace(workspace.id)).map((c) => c.id)).toEqual([made.id, second.id]);
    expect(await records.connections.get('con_missing')).toBeUndefined();
    expect(await records.connections.cursor(made.id)).toBeNull();
    expect(await records.connections.cursor('con_missing')).toBeUndefined();
    // A connection of an unknown workspace is refused.
    await expect(records.connections.create({ ...standalone(), workspaceId: 'wks_missing' })).rejects.toThrow();
  });

  it('binds one connection to many weddings (once each), shares the connection\'s settings, and lists bindings by wedding, connection and activity', async () => {
    const { records } = open();
    const made = await records.createStandalone(standalone());
    const [w2, w3] = [unique('w'), unique('w')];
    const b2 = await records.create(bindingOf(made.id, w2, { overrides: { calendarName: 'Smith wedding' }, vendorId: 'v_photo', references: ['job-1', 'job-1', 'job-2'] }));
    const b3 = await records.create(bindingOf(made.id, w3));
    expect(b2).toMatchObject({ weddingId: w2, vendorId: 'v_photo', references: ['job-1', 'job-2'], credentials: { apiKey: 'sk_live_secret' },
      configuration: { url: 'https://hooks.example.com/catch?token=hidden-token', direction: 'outbound', calendarName: 'Smith wedding' } });
    await expect(records.create(bindingOf(made.id, w2))).rejects.toThrow();
    await expect(records.create(bindingOf('con_missing', unique('w')))).rejects.toThrow();
    expect((await records.listForConnection(made.id)).map((b) => b.id)).toEqual([made.id, b2.id, b3.id]);
    expect((await records.listForWedding(w2)).map((b) => b.id)).toEqual([b2.id]);
    const active = (await records.listActive()).filter((b) => b.connectionId === made.id);
    expect(active.map((b) => b.id)).toEqual([made.id, b2.id, b3.id]);
    expect(active[1]!.connection).toBe(active[2]!.connection);

    expect(await records.addReferences(b2.id, ['job-2', 'job-3'])).toEqual(['job-1', 'job-2', 'job-3']);
    expect(await records.addReferences('bnd_missing', ['x'])).toEqual([]);
    await records.setVendor(b3.id, 'v_florist', { direction: 'inbound' });
    await records.replaceOverrides(b2.id, {});
    expect(await records.get(b3.id)).toMatchObject({ vendorId: 'v_florist', configuration: { direction: 'inbound' } });
    expect((await records.get(b2.id))?.overrides).toEqual({});

    // Health, breaker and the connection's cursor, through either binding; a disabled binding or connection is not active.
    await records.update(b3.id, { status: 'disabled', breaker_state: 'open', breaker_until: 1_780_000_123_456, consecutive_failures: 3, last_error: 'boom\u0000', cursor: 'sync\u0000-7' });
    expect(await records.get(b3.id)).toMatchObject({ status: 'disabled', breakerState: 'open', breakerUntil: 1_780_000_123_456, consecutiveFailures: 3, lastError: 'boom\ufffd', cursor: 'sync\u0000-7' });
    expect(await records.connections.cursor(made.id)).toBe('sync\u0000-7');
    expect((await records.listActive()).filter((b) => b.connectionId === made.id).map((b) => b.id)).toEqual([made.id, b2.id]);
    await records.connections.update(made.id, { status: 'needs_attention', last_error: 'invalid_grant' });
    expect((await records.listActive()).filter((b) => b.connectionId === made.id)).toHaveLength(2);
    await records.connections.update(made.id, { status: 'disabled' });
    expect((await records.listActive()).filter((b) => b.connectionId === made.id)).toEqual([]);
  });

  it('replaces settings and credentials sealed; a webhook event id is received once per connection', async () => {
    const { records } = open();
    const made = await records.createStandalone(standalone());
    await records.connections.replaceSettings(made.id, { credentials: { apiKey: 'sk_rotated' }, configuration: { url: 'https://hooks.example.com/new?token=t2' },
      configurationSecrets: [{ path: ['url'], kind: 'url' }], capabilities: ['push'] });
    expect(await records.get(made.id)).toMatchObject({ credentials: { apiKey: 'sk_rotated' }, configuration: { url: 'https://hooks.example.com/new?token=t2' }, capabilities: ['push'] });
    await records.connections.replaceCredentials(made.id, { refreshToken: 'rt_2' });
    expect((await records.connections.get(made.id))?.credentials).toEqual({ refreshToken: 'rt_2' });
    const other = await records.createStandalone(standalone());
    expect(await records.connections.receipt(made.id, 'evt_1', 1)).toBe(true);
    expect(await records.connections.receipt(made.id, 'evt_1', 2)).toBe(false);
    expect(await records.connections.receipt(other.id, 'evt_1', 3)).toBe(true);
  });

  it('keeps what the connection test reached: exactly as given, kept by settings without one, replaced (name and all) by settings with one', async () => {
    const { records } = open();
    // An id with a NUL and a lone surrogate is kept exactly; the name is display text.
    const remote = { remoteId: 'cal\u0000\ud800@example.com', remoteName: 'Studio\u0000 calendar' };
    const made = await records.createStandalone(standalone({ remote }));
    expect(made.connection).toMatchObject({ remoteId: remote.remoteId, remoteName: 'Studio\ufffd calendar' });
    const plain = await records.createStandalone(standalone());
    expect(plain.connection).toMatchObject({ remoteId: null, remoteName: null });
    const settings = { credentials: {}, configuration: {}, configurationSecrets: [], capabilities: ['push'] };
    await records.connections.replaceSettings(made.id, settings);
    expect(await records.connections.get(made.id)).toMatchObject({ remoteId: remote.remoteId, remoteName: 'Studio\ufffd calendar' });
    await records.connections.replaceSettings(made.id, { ...settings, remote: { remoteId: 'other@example.com' } });
    expect(await records.connections.get(made.id)).toMatchObject({ remoteId: 'other@example.com', remoteName: null });
    await records.connections.replaceSettings(plain.id, { ...settings, remote: { remoteId: 'x', remoteName: 'X' } });
    expect((await records.listForConnection(plain.id))[0]!.connection).toMatchObject({ remoteId: 'x', remoteName: 'X' });
  });

  it('names the remote of a connection that names none, exactly as given, and never replaces one it names (a newer settings change)', async () => {
    const { records } = open();
    const old = await records.createStandalone(standalone());
    expect(await records.connections.nameRemote(old.id, { remoteId: 'cal\ud800@example.com', remoteName: 'Studio\u0000' })).toBe(true);
    expect(await records.connections.get(old.id)).toMatchObject({ remoteId: 'cal\ud800@example.com', remoteName: 'Studio\ufffd' });
    expect(await records.connections.nameRemote(old.id, { remoteId: 'stale@example.com' })).toBe(false);
    expect(await records.connections.get(old.id)).toMatchObject({ remoteId: 'cal\ud800@example.com', remoteName: 'Studio\ufffd' });
    expect(await records.connections.nameRemote('con_gone', { remoteId: 'x' })).toBe(false);
  });

  it('the connections run at start-up are those in process and active or needing attention, oldest first', async () => {
    const { records } = open();
    const active = await records.createStandalone(standalone());
    const attention = await records.createStandalone(standalone());
    const failed = await records.createStandalone(standalone());
    const external = await records.createStandalone(standalone({ runMode: 'external' }));
    await records.connections.update(attention.id, { status: 'needs_attention' });
    await records.connections.update(failed.id, { status: 'error' });
    const mine = new Set([active.id, attention.id, failed.id, external.id]);
    expect((await records.connections.runnable()).filter((id) => mine.has(id))).toEqual([active.id, attention.id]);
  });

  it('removing a binding takes its links with it; removing a connection takes its bindings and theirs', async () => {
    const { records, links } = open();
    const made = await records.createStandalone(standalone());
    const bound = await records.create(bindingOf(made.id, unique('w')));
    const link = (integrationId: string) => ({ integrationId, entity: 'timeline', entityId: 'e1', externalId: 'x1', lastSynced: {}, lastHash: 'h', version: null });
    await links.save(link(made.id));
    await links.save(link(bound.id));
    expect(await records.remove(bound.id)).toBe(true);
    expect(await records.remove(bound.id)).toBe(false);
    expect(await links.get(bound.id, 'timeline', 'e1')).toBeUndefined();
    expect(await links.get(made.id, 'timeline', 'e1')).toBeDefined();
    expect(await records.connections.remove(made.id)).toBe(true);
    expect(await records.connections.remove(made.id)).toBe(false);
    expect(await records.get(made.id)).toBeUndefined();
    expect(await links.get(made.id, 'timeline', 'e1')).toBeUndefined();
  });
});

describe.each([
  ['sqlite', () => { const one = openSqlite(); return [one, one, one] as const; }],
  ['postgres (three instances)', () => [openPostgres(), openPostgres(), openPostgres()] as const],
] as const)('binding rules held at once on %s', (_name, openThree) => {
  const refusal = (results: PromiseSettledResult<unknown>[]) => results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as BindRefused).reason ?? String(r.reason)] : []));
  it('one wedding bound once, one binding of a single-wedding connection, one binding claiming unmatched records, however many binds arrive at once', async () => {
    const three = openThree();
    const [a] = three;
    const made = await a.records.createStandalone(standalone());
    const many = { onlyBinding: false };

    const w = unique('w');
    const same = await Promise.allSettled(three.map((o) => o.records.bind(bindingOf(made.id, w), many)));
    expect(same.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(refusal(same)).toEqual(['already_bound', 'already_bound']);

    const claims = await Promise.allSettled(three.map((o) => o.records.bind(bindingOf(made.id, unique('w'), { claimsUnmatched: true }), many)));
    // The standalone binding claims its connection's records already.
    expect(refusal(claims)).toEqual(['claims_taken', 'claims_taken', 'claims_taken']);
    const other = await a.records.createStandalone(standalone());
    await a.records.remove(other.id);
    const fresh = await Promise.allSettled(three.map((o) => o.records.bind(bindingOf(other.id, unique('w'), { claimsUnmatched: true }), many)));
    expect(fresh.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(refusal(fresh)).toEqual(['claims_taken', 'claims_taken']);

    const single = await a.records.createStandalone(standalone());
    await a.records.remove(single.id);
    const one = await Promise.allSettled(three.map((o) => o.records.bind(bindingOf(single.id, unique('w')), { onlyBinding: true })));
    expect(one.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(refusal(one)).toEqual(['single_wedding', 'single_wedding']);
    expect(await a.records.listForConnection(single.id)).toHaveLength(1);
    // A refused bind stored nothing: the connections hold exactly the binds that were accepted.
    expect((await a.records.listForConnection(made.id)).map((b) => b.weddingId)).toEqual([made.weddingId, w]);
  });
});

describe('connections across instances (PostgreSQL)', () => {
  it('references added through three instances at once are all kept, and a receipt is taken once of six', async () => {
    const [a, b, c] = [openPostgres(), openPostgres(), openPostgres()];
    const made = await a.records.createStandalone(standalone());
    await Promise.all([a, b, c].map((o, i) => o.records.addReferences(made.id, [`job-${i}`])));
    expect([...(await a.records.get(made.id))!.references].sort()).toEqual(['job-0', 'job-1', 'job-2']);
    const taken = await Promise.all([a, b, c, a, b, c].map((o) => o.records.connections.receipt(made.id, 'evt_race', 1)));
    expect(taken.filter(Boolean)).toHaveLength(1);
  });
});

describe('connections and bindings: PostgreSQL against SQLite', () => {
  it('any sequence of binds, unbinds, updates and references reads back the same on both (fast-check)', async () => {
    const sqlite = openSqlite();
    const postgres = openPostgres();
    const op = fc.oneof(
      fc.record({ kind: fc.constant('bind' as const), wedding: fc.constantFrom('w1', 'w2', 'w3') }),
      fc.record({ kind: fc.constant('unbind' as const), wedding: fc.constantFrom('w1', 'w2', 'w3') }),
      fc.record({ kind: fc.constant('health' as const), wedding: fc.constantFrom('w1', 'w2', 'w3'), status: fc.constantFrom('active', 'disabled', 'error'),
        failures: fc.nat(5), error: fc.option(fc.string({ maxLength: 4 }), { nil: null }) }),
      fc.record({ kind: fc.constant('refs' as const), wedding: fc.constantFrom('w1', 'w2', 'w3'), refs: fc.array(fc.constantFrom('a', 'b', 'é', '\u0000'), { maxLength: 3 }) }),
      fc.record({ kind: fc.constant('connection' as const), status: fc.constantFrom('active', 'needs_attention', 'disabled') }),
    );
    await assertProperty(fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
      const run = async ({ records }: Opened) => {
        const suffix = unique('run');
        const made = await records.createStandalone(standalone({ id: `con_${suffix}`, weddingId: `w0_${suffix}` }));
        const ids = new Map<string, string>();
        const outcomes: unknown[] = [];
        for (const o of ops) {
          const wedding = 'wedding' in o ? `${o.wedding}_${suffix}` : '';
          try {
            if (o.kind === 'bind') {
              const id = `bnd_${o.wedding}_${suffix}`;
              await records.create(bindingOf(made.id, wedding, { id }));
              ids.set(o.wedding, id);
              outcomes.push('bound');
            } else if (o.kind === 'unbind') outcomes.push(await records.remove(`bnd_${o.wedding}_${suffix}`));
            else if (o.kind === 'health') outcomes.push(await records.update(`bnd_${o.wedding}_${suffix}`, { status: o.status, consecutive_failures: o.failures, last_error: o.error }));
            else if (o.kind === 'refs') outcomes.push(await records.addReferences(`bnd_${o.wedding}_${suffix}`, o.refs));
            else outcomes.push(await records.connections.update(made.id, { status: o.status }));
          } catch {
            outcomes.push('refused');
          }
        }
        const shape = (b: Integration) => [b.weddingId.replace(`_${suffix}`, ''), b.status, b.consecutiveFailures, b.lastError, b.references, b.connection.status];
        // By wedding: bindings made in one millisecond on one backend and not the other would list in another order.
        const byWedding = (list: unknown[][]) => list.sort((x, y) => String(x[0]).localeCompare(String(y[0])));
        const listed = byWedding((await records.listForConnection(made.id)).map(shape));
        const active = byWedding((await records.listActive()).filter((b) => b.connectionId === made.id).map(shape));
        return { outcomes, listed, active };
      };
      expect(await run(postgres)).toEqual(await run(sqlite));
    }), { numRuns: 30 });
  });
});
