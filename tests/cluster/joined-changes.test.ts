import { beforeAll, describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import { stored } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { startCollabNode, startPostgresCollabNode, type PostgresCollabNode, LOG_KEPT_MS } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// Issue 15, "let other writes join the group": a caller that changes a live document and writes
// rows that must commit with the change (the inbox worker's applied mark, links and audit of an
// inbound change) does so in one PostgreSQL transaction: DurablePersistence.changeWithWrites.

const COMMIT_GATE = 4377;

/** A live document of `node`, opened as the bridge opens one (a direct connection). */
async function live(node: PostgresCollabNode, weddingId: string) {
  const direct = await node.collab.hocuspocus.openDirectConnection(`wedding:${weddingId}`, {});
  registerTeardown(() => direct.disconnect());
  return new WeddingDoc(direct.document!);
}

const event = (w: WeddingDoc, id: string) => w.upsertEvent({ id, title: `Event ${id}`, start: '2026-06-13T14:00:00Z', end: '2026-06-13T15:00:00Z' });

describe('writes joined to a change of a live document (PostgreSQL)', () => {
  const db = usePostgresDatabase();
  let node: PostgresCollabNode;
  beforeAll(async () => {
    const { url, admin } = db();
    // `xid`: the top-level transaction that wrote the row (joined writes run in savepoints, whose rows' xmin is the subtransaction's).
    await admin.query('CREATE TABLE probe (label text PRIMARY KEY, xid text NOT NULL DEFAULT txid_current()::text)');
    node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'joined', leaseMs: 2000, dataDir: tempDir(), debounceMs: LOG_KEPT_MS });
    registerTeardown(() => node.stop());
  });
  const probe = (label: string) => async (client: import('pg').ClientBase) => { await client.query('INSERT INTO probe (label) VALUES ($1)', [label]); };
  const probed = async (label: string) => (await db().admin.query('SELECT 1 FROM probe WHERE label = $1', [label])).rowCount === 1;

  it('commits the writes in the transaction of the change, and not before it', async () => {
    const { admin } = db();
    const w = await live(node, 'j1');
    const gate = await closeCommitGate(admin, 'document_updates', COMMIT_GATE);
    let settled = false;
    const { value, committed } = node.collab.persistence.changeWithWrites('wedding:j1', [probe('with-e1')], () => event(w, 'e1').id);
    void committed.then(() => { settled = true; });
    expect(value).toBe('e1');
    await gate.blocked('the change to block in COMMIT');
    expect(await probed('with-e1')).toBe(false);
    expect(settled).toBe(false);
    await gate.open();
    await committed;
    expect(await probed('with-e1')).toBe(true);
    expect(await stored(admin, 'j1')).toEqual(['e1']);
    // One transaction: the update row and the probe row were written by the same one.
    const xids = await admin.query(`SELECT (SELECT xid FROM probe WHERE label = 'with-e1') AS probe,
      (SELECT xmin::text FROM document_updates WHERE name = 'wedding:j1' ORDER BY seq DESC LIMIT 1) AS change`);
    expect(xids.rows[0].probe).toBe(xids.rows[0].change);
  });

  it('several Yjs transactions in one change commit with the writes once; a change that changes nothing commits the writes alone', async () => {
    const { admin } = db();
    const w = await live(node, 'j2');
    const { committed } = node.collab.persistence.changeWithWrites('wedding:j2', [probe('two')], () => { event(w, 'a'); event(w, 'b'); });
    await committed;
    const xids = (await admin.query<{ x: string }>(`SELECT DISTINCT xmin::text AS x FROM document_updates WHERE name = 'wedding:j2'
      UNION SELECT xid FROM probe WHERE label = 'two'`)).rows;
    expect(xids).toHaveLength(1);
    expect(await stored(admin, 'j2')).toEqual(['a', 'b']);

    const updates = async () => Number((await admin.query("SELECT count(*) AS n FROM document_updates WHERE name = 'wedding:j2'")).rows[0].n);
    const before = await updates();
    const nothing = node.collab.persistence.changeWithWrites('wedding:j2', [probe('alone')], () => 'unchanged');
    expect(nothing.value).toBe('unchanged');
    await nothing.committed;
    expect(await probed('alone')).toBe(true);
    expect(await updates()).toBe(before);
  });

  it('a failing write is rolled back alone and reported; the change and the other writes are stored', async () => {
    const { admin } = db();
    const w = await live(node, 'j3');
    const { committed } = node.collab.persistence.changeWithWrites('wedding:j3', [
      probe('kept'),
      async (client) => { await client.query("INSERT INTO probe (label) VALUES ('half')"); throw new Error('a bug in the caller'); },
    ], () => event(w, 'e3'));
    await expect(committed).rejects.toThrow('a bug in the caller');
    expect(await probed('kept')).toBe(true);
    expect(await probed('half')).toBe(false);
    expect(await stored(admin, 'j3')).toEqual(['e3']);
    // The activity recorder's rows (a joined listener) went with the change too.
    expect((await admin.query("SELECT 1 FROM activity WHERE wedding_id = 'j3' AND entity_id = 'e3'")).rowCount).toBeGreaterThan(0);
  });

  it('when the change throws: what it changed is stored with the writes; when it changed nothing, the writes are dropped', async () => {
    const { admin } = db();
    const w = await live(node, 'j4');
    expect(() => node.collab.persistence.changeWithWrites('wedding:j4', [probe('after-throw')], () => { event(w, 'e4'); throw new Error('late'); })).toThrow('late');
    await waitFor(async () => (await stored(admin, 'j4')).includes('e4'), 'the change made before the throw to be stored');
    await waitFor(() => probed('after-throw'), 'the writes to commit with it');
    expect(() => node.collab.persistence.changeWithWrites('wedding:j4', [probe('never')], () => { throw new Error('early'); })).toThrow('early');
    // A later change of the document carries nothing of the dropped writes.
    await node.collab.persistence.changeWithWrites('wedding:j4', [], () => event(w, 'e5')).committed;
    expect(await probed('never')).toBe(false);
    expect(() => node.collab.persistence.changeWithWrites('wedding:j4', [], () => node.collab.persistence.changeWithWrites('wedding:j4', [], () => 1))).toThrow(/already running/);
  });

  it('a commit that fails stores neither the change nor the writes, and says so', async () => {
    const { admin } = db();
    const w = await live(node, 'j6');
    const gate = await closeCommitGate(admin, 'document_updates', COMMIT_GATE + 1);
    const { committed } = node.collab.persistence.changeWithWrites('wedding:j6', [probe('lost')], () => event(w, 'e6'));
    const pid = await gate.blocked('the change to block in COMMIT');
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect(committed).rejects.toThrow();
    await gate.open();
    expect(await probed('lost')).toBe(false);
    expect(await stored(admin, 'j6')).toEqual([]);
  });

  it('the writes of a change that changed nothing commit after the document\'s earlier changes, and not at all when one of those failed', async () => {
    const { admin } = db();
    const w = await live(node, 'k1');
    const gate = await closeCommitGate(admin, 'document_updates', COMMIT_GATE + 2);
    event(w, 'before');
    await gate.blocked('the earlier change to block in COMMIT');
    let settled = false;
    const after = node.collab.persistence.changeWithWrites('wedding:k1', [probe('after-before')], () => 'nothing');
    void after.committed.then(() => { settled = true; });
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    expect(await probed('after-before')).toBe(false);
    await gate.open();
    await after.committed;
    expect(await probed('after-before')).toBe(true);

    // The earlier change's COMMIT fails: the writes judged against it are not stored.
    const failing = await closeCommitGate(admin, 'document_updates', COMMIT_GATE + 3);
    event(w, 'doomed');
    const pid = await failing.blocked('the doomed change to block in COMMIT');
    const orphan = node.collab.persistence.changeWithWrites('wedding:k1', [probe('orphan')], () => 'nothing');
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await expect(orphan.committed).rejects.toThrow(/not stored/);
    await failing.open();
    expect(await probed('orphan')).toBe(false);
  });

  it('the writes of a change that changed nothing commit before the document\'s later changes (a push planned by a later edit is not cancelled by an older read-back)', async () => {
    const { admin } = db();
    const w = await live(node, 'k2');
    // The writes alone are held inside their transaction until the later change has been made.
    let letGo!: () => void;
    const held = new Promise<void>((r) => { letGo = r; });
    let inTransaction!: () => void;
    const started = new Promise<void>((r) => { inTransaction = r; });
    const order: string[] = [];
    const alone = node.collab.persistence.changeWithWrites('wedding:k2', [async (client) => {
      inTransaction();
      await held;
      await client.query('INSERT INTO probe (label) VALUES ($1)', ['alone-first']);
    }], () => 'nothing');
    void alone.committed.then(() => order.push('alone'));
    await started;
    const later = node.collab.persistence.changeWithWrites('wedding:k2', [probe('later-second')], () => event(w, 'later').id);
    void later.committed.then(() => order.push('later'));
    // Room for the later change to commit, which it must not do before the writes alone.
    await Promise.race([later.committed, new Promise((r) => setTimeout(r, 300))]);
    expect(order).toEqual([]);
    expect(await stored(admin, 'k2')).toEqual([]);
    letGo();
    await Promise.all([alone.committed, later.committed]);
    expect(order).toEqual(['alone', 'later']);
    expect(await probed('alone-first')).toBe(true);
    expect(await stored(admin, 'k2')).toEqual(['later']);
  });

  it('a joined change is refused inside a Yjs transaction of the document, and for a document not live here', async () => {
    const w = await live(node, 'k2');
    let refused: unknown;
    w.ydoc.transact(() => {
      try { node.collab.persistence.changeWithWrites('wedding:k2', [probe('inside')], () => event(w, 'inside')); } catch (error) { refused = error; }
    });
    expect(String(refused)).toMatch(/inside a Yjs transaction/);
    expect(() => node.collab.persistence.changeWithWrites('wedding:not-open', [], () => 1)).toThrow(/not live here/);
    // No unhandled rejection from a `committed` nobody awaits, even when it fails.
    node.collab.persistence.changeWithWrites('wedding:k2', [async () => { throw new Error('ignored'); }], () => 'nothing');
    await new Promise((r) => setTimeout(r, 100));
  });
});

describe('writes joined to a change on SQLite', () => {
  it('are refused: SQLite callers write in the open group', async () => {
    const node = await startCollabNode({ databaseUrl: '', instanceId: 'sqlite', leaseMs: 2000, dataDir: tempDir() });
    registerTeardown(() => node.stop());
    expect(() => node.collab.persistence.changeWithWrites('wedding:s1', [], () => 1)).toThrow(/PostgreSQL/);
  });
});
