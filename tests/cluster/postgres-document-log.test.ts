import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { loadConfig } from '../../server/config.ts';
import { PostgresDocumentLog } from '../../server/collab/postgres-document-log.ts';
import { openPostgresDocuments } from '../../server/storage/backend/open-document-store.ts';
import { usePostgres } from '../helpers/postgres.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { waitFor } from '../helpers/wait.ts';
import { Metrics } from '../../server/metrics.ts';

const logger = createLogger(loadConfig({ LOG_LEVEL: 'silent' }));

function update(key: string): Uint8Array {
  const d = new Y.Doc();
  d.getMap('m').set(key, key);
  return Y.encodeStateAsUpdate(d);
}

function fold(state: Uint8Array | null, log: readonly Uint8Array[]): Uint8Array {
  const d = new Y.Doc();
  if (state) Y.applyUpdate(d, state);
  for (const u of log) Y.applyUpdate(d, u);
  return Y.encodeStateAsUpdate(d);
}

async function node(url: string, id: string, leaseMs = 3000, metrics?: Metrics) {
  const pg = await openPostgresDocuments(url, { instanceId: id, pool: { max: 4 } });
  registerTeardown(() => pg.close());
  return new PostgresDocumentLog(pg.documents, pg.leases, logger, { leaseMs, metrics });
}

/** One series of a metric: its value for `labels` (0 when never counted). */
async function valueOf(metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}

describe('PostgresDocumentLog', () => {
  const server = usePostgres();

  // A fold that outlives its holding (a slow worker fold; the document is unloaded, served by another
  // instance, which compacts further, and then reopened here) must not overwrite the newer state.
  it('drops a fold read under an earlier holding rather than overwrite a newer fold another instance stored', async () => {
    const url = await server().createDatabase();
    const a = await node(url, 'a');
    const b = await node(url, 'b');
    const name = 'wedding:stale-fold';
    const noop = () => {};

    await a.open(name);
    a.opened(name, noop);
    a.append(name, update('one'), true, null, null, noop);
    await a.barrier.settled();
    // A's compaction reads the committed rows, then folds them on a worker (slowly)...
    const readByA = await a.loadUpTo(name);
    expect(readByA.upTo).not.toBeNull();
    // ...while the document is unloaded here and served by B, which appends and compacts.
    await a.closeDocument(name);
    await b.open(name);
    b.opened(name, noop);
    b.append(name, update('two'), true, null, null, noop);
    await b.barrier.settled();
    const readByB = await b.loadUpTo(name);
    expect(await b.storeFolded(name, fold(readByB.state, readByB.log), readByB)).toBe(true);
    await b.closeDocument(name);
    // A serves it again (a new lease) and only now its old fold finishes.
    await a.open(name);
    a.opened(name, noop);
    expect(await a.storeFolded(name, fold(readByA.state, readByA.log), readByA)).toBe(false);

    const now = await a.loadUpTo(name);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, fold(now.state, now.log));
    expect(doc.getMap('m').get('one')).toBe('one');
    // B's change was folded into B's state and its row deleted: A's stale fold must not drop it.
    expect(doc.getMap('m').get('two')).toBe('two');
    await a.closeDocument(name);
  });

  // The failure handler runs inside the barrier's chain: if it throws, the chain must still settle,
  // or every socket's frames would be held forever.
  it('keeps the barrier moving when the handler of a refused append throws', async () => {
    const url = await server().createDatabase();
    const a = await node(url, 'a');
    const admin = await openPostgresDocuments(url, { instanceId: 'admin' });
    registerTeardown(() => admin.close());
    const name = 'wedding:wedge';
    await a.open(name);
    a.opened(name, () => {});
    // Another instance took the lease over: A's next append is refused by its fence.
    await admin.pool.query('UPDATE document_leases SET owner = $2, epoch = epoch + 1 WHERE name = $1', [name, 'b']);
    a.append(name, update('refused'), true, null, null, () => { throw new Error('a discard listener failed'); });
    await a.open('wedding:other');
    a.opened('wedding:other', () => {});
    a.append('wedding:other', update('fine'), true, null, null, () => {});
    let released = false;
    a.barrier.afterCommit(() => { released = true; });
    await waitFor(() => released, 'the barrier to release after the refused append', 3000);
    expect(a.barrier.pending).toBe(false);
  });

  // A renewal that never answers (here: waiting on a row lock; in production, a half-open
  // connection) must not keep a document served past its lease: the next ticks drop it by our clock.
  it('drops a document whose lease may have lapsed while the renewal still hangs, and renews the others together', async () => {
    const url = await server().createDatabase();
    const a = await node(url, 'a', 900);
    const lost: string[] = [];
    for (const name of ['wedding:hang-1', 'wedding:hang-2']) {
      await a.open(name);
      a.opened(name, () => lost.push(name));
    }
    const admin = await openPostgresDocuments(url, { instanceId: 'admin', pool: { max: 1 } });
    registerTeardown(() => admin.close());
    const blocker = await admin.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM document_leases WHERE name = 'wedding:hang-2' FOR UPDATE`);
    const blockedAt = Date.now();
    await waitFor(() => lost.length === 2, 'both documents dropped while the renewal waits on the lock', 5_000);
    // Dropped within the lease (900 ms) plus a tick (300 ms) or so, not when the lock is let go.
    expect(Date.now() - blockedAt).toBeLessThan(2_500);
    await blocker.query('ROLLBACK');
    blocker.release();
    // Appends are refused from then on.
    expect(() => a.append('wedding:hang-1', update('late'), true, null, null, () => {})).toThrow(/not held/);
  });

  it('counts for the operator: leases held, documents asked for while another instance holds them, and leases lost by taking over and by a refused write', async () => {
    const url = await server().createDatabase();
    const [ma, mb] = [new Metrics(), new Metrics()];
    // A renews every 3 s: its renewal does not come between the lapse made below and its next write.
    const a = await node(url, 'a', 9000, ma);
    const b = await node(url, 'b', 9000, mb);
    const noop = () => {};
    for (const name of ['wedding:m-1', 'wedding:m-2']) {
      await a.open(name);
      a.opened(name, noop);
    }
    expect(await valueOf(ma.leasesHeld)).toBe(2);
    await expect(b.open('wedding:m-1')).rejects.toMatchObject({ code: 'document_unavailable' });
    expect(await valueOf(mb.ownedElsewhere)).toBe(1);
    expect(await valueOf(mb.leasesHeld)).toBe(0);

    // A stalls past its lease on m-1 (made to lapse here) and B takes it over.
    const admin = await openPostgresDocuments(url, { instanceId: 'admin', pool: { max: 1 } });
    registerTeardown(() => admin.close());
    await admin.pool.query(`UPDATE document_leases SET expires_at = clock_timestamp() - interval '1 second' WHERE name = 'wedding:m-1'`);
    await b.open('wedding:m-1');
    b.opened('wedding:m-1', noop);
    expect(await valueOf(mb.leasesHeld)).toBe(1);
    // A's next write to it carries the old epoch: refused, and the lease counted as lost.
    const failures: unknown[] = [];
    a.append('wedding:m-1', update('late'), true, null, null, (error) => failures.push(error));
    await a.barrier.settled();
    expect(failures).toHaveLength(1);
    expect(await valueOf(ma.leasesLost, { reason: 'write_refused' })).toBe(1);
    expect(await valueOf(ma.leasesHeld)).toBe(1);

    // m-2 taken over the same way: A's renewal finds it moved on.
    await admin.pool.query(`UPDATE document_leases SET expires_at = clock_timestamp() - interval '1 second' WHERE name = 'wedding:m-2'`);
    await b.open('wedding:m-2');
    b.opened('wedding:m-2', noop);
    await waitFor(async () => (await valueOf(ma.leasesLost, { reason: 'taken_over' })) === 1, 'the renewal to find m-2 taken over', 10_000);
    expect(await valueOf(ma.leasesHeld)).toBe(0);
    expect(await valueOf(mb.leasesHeld)).toBe(2);
    expect(await valueOf(ma.leaseRenewalFailures)).toBe(0);
  });
});
