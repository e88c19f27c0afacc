import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { WeddingDoc, clientOrigin, mergeVendors, removeVendor, type TxOrigin } from '../../schema/index.ts';
import { SqliteApiKeyStore, type ApiKeyStore } from '../../server/auth/api-keys.ts';
import { PostgresApiKeyStore } from '../../server/auth/postgres-api-keys.ts';
import { SqliteFeedStore, type FeedStore } from '../../server/calendar/feed-store.ts';
import { PostgresFeedStore } from '../../server/calendar/postgres-feed-store.ts';
import { SqliteInvitationStore, type InvitationStore } from '../../server/people/invitation-store.ts';
import { SqlitePeopleStore, type PeopleStore } from '../../server/people/people-store.ts';
import { PostgresInvitationStore } from '../../server/people/postgres-invitation-store.ts';
import { PostgresPeopleStore } from '../../server/people/postgres-people-store.ts';
import { postgresVendorBindings } from '../../server/people/postgres-vendor-bindings.ts';
import { sqliteVendorBindings, type VendorBindings, type VendorBound } from '../../server/people/vendor-bindings.ts';
import { VENDOR_DEPENDANT_KINDS } from '../../server/people/vendor-dependants.ts';
import { usePostgres, usePostgresPools } from '../helpers/postgres.ts';
import { startCollabNode, type PostgresCollabNode, LOG_KEPT_MS } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15: a vendor merge and removal move or remove what hangs off the vendor
// (server/people/vendor-dependants.ts) on either backend, with the same results, the rows committed
// with the document change (on PostgreSQL, a joined write: one transaction).

const W = 'w-vendors';
const at = (hh: string) => `2027-06-12T${hh}:00+01:00`;
const NOW = Date.UTC(2027, 0, 10, 12);
const none = Object.fromEntries(VENDOR_DEPENDANT_KINDS.map((k) => [k, 0])) as VendorBound;

interface Harness {
  node: PostgresCollabNode;
  bindings: VendorBindings;
  people: PeopleStore;
  invitations: InvitationStore;
  feeds: FeedStore;
  keys: ApiKeyStore;
  /** Runs SQL written with `?` placeholders. */
  exec(sql: string, ...params: unknown[]): Promise<void>;
  /** PostgreSQL only: the admin pool (else null). */
  pool: pg.Pool | null;
}

const postgres = usePostgres();
const pools = usePostgresPools(postgres);

async function sqliteHarness(): Promise<Harness> {
  const node = await startCollabNode({ databaseUrl: '', instanceId: 'vendors', leaseMs: 2000, dataDir: tempDir('vendors-') });
  registerTeardown(() => node.stop());
  const { db } = node;
  return {
    node, pool: null,
    bindings: sqliteVendorBindings({ db, docs: node.collab, now: () => NOW }),
    people: new SqlitePeopleStore(db, () => NOW),
    invitations: new SqliteInvitationStore(db, () => NOW),
    feeds: new SqliteFeedStore(db),
    keys: new SqliteApiKeyStore(db, () => NOW),
    async exec(sql, ...params) { db.prepare(sql).run(...params); },
  };
}

async function postgresHarness(): Promise<Harness> {
  const url = await pools.database();
  const node = await startCollabNode({ databaseUrl: url, instanceId: 'vendors', leaseMs: 2000, dataDir: tempDir('vendors-'), debounceMs: LOG_KEPT_MS });
  registerTeardown(() => node.stop());
  const pool = pools.poolOn(url);
  const keys = new PostgresApiKeyStore(pool, () => NOW);
  registerTeardown(() => keys.close());
  return {
    node, pool,
    bindings: postgresVendorBindings({ pool, docs: node.collab, persistence: node.collab.persistence, keyRevocations: keys, now: () => NOW }),
    people: new PostgresPeopleStore(pool, () => NOW),
    invitations: new PostgresInvitationStore(pool, () => NOW),
    feeds: new PostgresFeedStore(pool),
    keys,
    async exec(sql, ...params) {
      let i = 0;
      await pool.query(sql.replace(/\?/g, () => `$${++i}`), params);
    },
  };
}

/** A connection and its binding to W, as rows (the columns both backends require). */
async function binding(h: Harness, workspaceId: string, id: string, b: { vendorId?: string; configuration?: object; connectionConfiguration?: object }) {
  const stamp = new Date(NOW).toISOString();
  await h.exec(`INSERT INTO connections (id, workspace_id, system, category, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at)
    VALUES (?, ?, 'webhooks', 'other', 'active', '', '', ?, '[]', ?, 'test', ?)`, `con-${id}`, workspaceId, JSON.stringify(b.connectionConfiguration ?? {}), stamp, stamp);
  await h.exec(`INSERT INTO integrations (id, wedding_id, system, category, vendor_id, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at, connection_id)
    VALUES (?, ?, 'webhooks', 'other', ?, 'active', '', '', ?, '[]', ?, 'test', ?, ?)`, id, W, b.vendorId ?? null, JSON.stringify(b.configuration ?? {}), stamp, stamp, `con-${id}`);
}

/** The wedding with two entries for one photographer, and one of every kind of dependant on the duplicate (`lens2`). */
async function seed(h: Harness) {
  const ana = await h.people.createPerson({ email: 'ana@bloom.example', name: 'Ana' });
  const studio = await h.people.createPerson({ email: 'studio@lens.example', name: 'Lens studio' });
  const bloom = await h.people.createWorkspace({ name: 'Bloom Planning', kind: 'planner' }, ana.id);
  await h.people.registerWedding({ id: W, workspaceId: bloom.id, createdBy: ana.id });
  await h.node.collab.withDocument(W, (ydoc) => {
    const w = new WeddingDoc(ydoc);
    w.setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' });
    w.upsertVendor({ id: 'lens', name: 'Lens & Light', category: 'photographer' });
    w.upsertVendor({ id: 'lens2', name: 'Lens and Light', category: 'photographer', email: 'studio@lens.example' });
    w.upsertEvent({ id: 'photos', title: 'Family photos', start: at('14:45'), end: at('15:15'), vendorIds: ['lens', 'lens2'] });
    w.upsertEvent({ id: 'prep', title: 'Getting ready', start: at('10:00'), end: at('11:00'), vendorIds: ['lens2'] });
    // The studio's person, by account e-mail; and the planner's own (a workspace member: not the vendor's person).
    w.upsertContact({ id: 'c-studio', name: 'Lens studio', role: 'other', email: 'STUDIO@lens.example' });
    w.upsertContact({ id: 'c-ana', name: 'Ana', role: 'other', email: 'ana@bloom.example' });
  });
  await h.people.addParticipant({ weddingId: W, personId: studio.id, role: 'vendor', vendorId: 'lens2' });
  await h.people.addParticipant({ weddingId: W, personId: ana.id, role: 'vendor', vendorId: 'lens2' });
  const invitation = await h.invitations.create({ weddingId: W, role: 'vendor', vendorId: 'lens2', invitedBy: ana.id, expiresAt: NOW + 86_400_000, maxUses: 1 });
  // Revoked before: history, not counted.
  const old = await h.invitations.create({ weddingId: W, role: 'vendor', vendorId: 'lens2', invitedBy: ana.id, expiresAt: NOW + 86_400_000, maxUses: 1 });
  await h.invitations.revoke(W, old.invitation.id);
  const feed = await h.feeds.create({ weddingId: W, vendorId: 'lens2', label: null, createdBy: ana.id, at: new Date(NOW).toISOString() });
  // Both booked on the family photos: one booking after the merge.
  for (const [event, vendor] of [['photos', 'lens'], ['photos', 'lens2'], ['prep', 'lens2']]) {
    await h.exec('INSERT INTO vendor_bookings (wedding_id, event_id, vendor_id, start_ms, end_ms, title) VALUES (?, ?, ?, 0, 1, ?)', W, event, vendor, `Booked ${vendor}`);
  }
  await binding(h, bloom.id, 'int-a', { vendorId: 'lens2' });
  // Acting for it through its connection's setting.
  await binding(h, bloom.id, 'int-b', { connectionConfiguration: { vendorId: 'lens2', calendarId: 'c' } });
  await binding(h, bloom.id, 'int-c', { vendorId: 'flora' });
  await h.exec('INSERT INTO calendar_busy (integration_id, vendor_id, external_id, start_ms, end_ms) VALUES (?, ?, ?, 0, 1)', 'int-a', 'lens2', 'busy-1');
  const key = await h.keys.create({ workspaceId: bloom.id, name: 'lens uploader', role: 'vendor', vendorId: 'lens2', weddings: [W] });
  return { ana, studio, bloom, invitation, feed, key };
}

const origin: TxOrigin = clientOrigin('per_test');
const refuseMissing = (...ids: string[]) => (w: WeddingDoc) => { for (const id of ids) if (!w.getVendor(id)) throw new Error(`no vendor ${id}`); };

describe.each([['sqlite', sqliteHarness], ['postgres', postgresHarness]] as const)('a vendor merge and removal on %s', (backend, open) => {
  it('a merge moves every dependant of the duplicate to the kept vendor with the document change; a removal removes or revokes them', async () => {
    const h = await open();
    const s = await seed(h);
    const count = async (vendorId: string) => (await h.bindings.inspect(W, vendorId, () => undefined)).counted;
    const seeded = { contacts: 1, participants: 2, invitations: 1, calendarFeeds: 1, bookings: 2, busyBlocks: 1, connectionBindings: 2, apiKeys: 1 };
    expect(await count('lens2')).toEqual(seeded);
    expect((await h.bindings.inspect(W, 'lens2', () => undefined)).bindings).toEqual([
      { integrationId: 'int-a', connectionId: 'con-int-a' }, { integrationId: 'int-b', connectionId: 'con-int-b' },
    ]);

    // Refused by its check: nothing changes.
    await expect(h.bindings.move(W, 'lens2', 'gone', { check: refuseMissing('gone', 'lens2'), change: () => 'never' })).rejects.toThrow('no vendor gone');
    expect(await count('lens2')).toEqual(seeded);

    const merged = await h.bindings.move(W, 'lens2', 'lens', {
      check: refuseMissing('lens', 'lens2'),
      change: (w, server) => ({ server, footprint: mergeVendors(w, 'lens', 'lens2', origin).moved }),
    });
    expect(merged.moved).toEqual(seeded);
    expect(merged.value.server).toEqual(seeded);
    expect(merged.connectionIds).toEqual(['con-int-a', 'con-int-b']);
    expect(await count('lens2')).toEqual(none);
    // Its booking of the family photos and the kept vendor's are one (2, not 3); the studio's contact
    // stays (its people moved with the vendor).
    expect(await count('lens')).toEqual(seeded);
    await h.node.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      expect(w.getVendor('lens2')).toBeUndefined();
      expect(w.getEvent('prep')?.vendorIds).toEqual(['lens']);
    });
    expect((await h.invitations.open(s.invitation.token) as { invitation: { vendorId: string } }).invitation.vendorId).toBe('lens');
    expect((await h.keys.authenticate(s.key.key)).vendorId).toBe('lens');

    const removed = await h.bindings.remove(W, 'lens', origin, { check: refuseMissing('lens'), change: (w) => removeVendor(w, 'lens', origin)!.eventIds });
    expect(removed.removed).toEqual(seeded);
    expect(removed.value.sort()).toEqual(['photos', 'prep']);
    // Connection bindings are the caller's to unbind (by their onUnbind setting).
    expect(await count('lens')).toEqual({ ...none, connectionBindings: 2 });
    await h.node.collab.withDocument(W, (ydoc) => {
      const w = new WeddingDoc(ydoc);
      expect(w.getVendor('lens')).toBeUndefined();
      expect(w.listContacts().map((c) => c.id)).toEqual(['c-ana']);
    });
    expect(await h.invitations.open(s.invitation.token)).toEqual({ refused: 'invitation_unknown' });
    expect(await h.feeds.byToken(s.feed.token)).toBeUndefined();
    await expect(h.keys.authenticate(s.key.key)).rejects.toMatchObject({ code: 'token_invalid' });
    expect((await h.people.participantsOf(W)).map((p) => p.vendorId)).toEqual([]);
  }, 60_000);

  it.runIf(backend === 'postgres')('the rows commit in the transaction of the document update; revoked keys are announced to every instance', async () => {
    const h = await open();
    const s = await seed(h);
    // The top-level transaction that revokes the invitation (joined writes run in savepoints, whose rows' xmin is the subtransaction's).
    await h.pool!.query(`CREATE TABLE probe (xid text NOT NULL);
      CREATE FUNCTION probe_xid() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO probe VALUES (txid_current()::text); RETURN NEW; END $$;
      CREATE TRIGGER probe_invitations AFTER UPDATE ON invitations FOR EACH ROW EXECUTE FUNCTION probe_xid();`);
    // Another instance's key store, listening on a connection of its own pool (closed before the pools end).
    const other = new PostgresApiKeyStore(pools.poolOn((h.pool!.options as { connectionString: string }).connectionString, 2), () => NOW);
    try {
      await other.listen();
      const heard: string[] = [];
      other.onRevoked((ids) => heard.push(...ids));
      await h.bindings.remove(W, 'lens2', origin, { check: refuseMissing('lens2'), change: (w) => removeVendor(w, 'lens2', origin) });
      const xids = await h.pool!.query(`SELECT (SELECT array_agg(DISTINCT xid) FROM probe) AS revoked,
        (SELECT xmin::text FROM document_updates WHERE name = $1 ORDER BY seq DESC LIMIT 1) AS change`, [`wedding:${W}`]);
      expect(xids.rows[0].revoked).toEqual([xids.rows[0].change]);
      expect((await h.invitations.listFor(W)).find((i) => i.id === s.invitation.invitation.id)?.revokedAt).toBe(NOW);
      await waitFor(() => heard.includes(s.key.summary.id), 'the other instance to hear of the revoked key');
    } finally {
      await other.close();
    }
  }, 60_000);
});
