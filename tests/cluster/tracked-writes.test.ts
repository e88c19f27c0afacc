import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeddingDoc } from '../../schema/index.ts';
import { eventIds, planner, stored } from '../helpers/cluster-clients.ts';
import { usePostgresDatabase } from '../helpers/postgres.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { startPostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * "Acknowledged means committed" for a server-side write to a live document (an HTTP request's
 * withDocument) on PostgreSQL: `barrier.track` resolves only once the appends the request made have
 * committed, and says so; a request whose append failed is told `committed: false` and its change
 * is not kept (the HTTP layer answers 503, "nothing was accepted").
 */

const COMMIT_GATE = 4245;
const LEASE_MS = 1500;

const addEvent = (doc: WeddingDoc, id: string) =>
  doc.upsertEvent({ id, title: `Event ${id}`, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00', vendorIds: [] });

describe('server-side writes to a live document on PostgreSQL: resolved once committed', () => {
  const db = usePostgresDatabase();
  let url = '';
  let admin: pg.Pool;
  beforeAll(() => ({ url, admin } = db()));

  it('waits for the COMMIT of the appends the request made', async () => {
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'solo', leaseMs: LEASE_MS, dataDir: tempDir() });
    registerTeardown(() => node.stop());
    const { collab } = node;
    const watcher = await planner(node.wsUrl, 'w1');
    await watcher.whenSynced(10_000);

    const gate = await closeCommitGate(admin, 'document_updates', COMMIT_GATE);
    let settled = false;
    const tracked = collab.persistence.barrier.track(() => collab.withDocument('w1', (doc) => addEvent(new WeddingDoc(doc), 'http-1')))
      .then((result) => { settled = true; return result; });
    await gate.blocked('the append of http-1 to block in COMMIT');
    // The request is not answered while its append's COMMIT is in flight.
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    expect(await stored(admin, 'w1')).toEqual([]);
    await gate.open();
    const result = await tracked;
    expect(result).toMatchObject({ committed: true, wrote: true });
    expect(await stored(admin, 'w1')).toEqual(['http-1']);
    await waitFor(() => eventIds(watcher).includes('http-1'), 'the client to receive the committed write');

    // A request that reads only waits for nothing and reports it wrote nothing.
    expect(await collab.persistence.barrier.track(() => collab.withDocument('w1', (doc) => doc.getMap('timeline').size))).toEqual({ value: 1, committed: true, wrote: false });
  });

  it('tells a request whose append was refused that nothing was kept, and the change is gone', async () => {
    const node = await startPostgresCollabNode({ databaseUrl: url, instanceId: 'robbed', leaseMs: LEASE_MS, dataDir: tempDir() });
    registerTeardown(() => node.stop());
    const { collab } = node;
    // A client keeps the wedding loaded (and its lease held) between the requests.
    const client = await planner(node.wsUrl, 'w2');
    await client.whenSynced(10_000);
    expect((await collab.persistence.barrier.track(() => collab.withDocument('w2', (doc) => addEvent(new WeddingDoc(doc), 'kept')))).committed).toBe(true);

    // Another instance takes the lease over (as after this one stalled): the next append is fenced out.
    const { rowCount } = await admin.query("UPDATE document_leases SET owner = 'thief', epoch = epoch + 1, expires_at = clock_timestamp() + interval '1 minute' WHERE name = 'wedding:w2' AND owner = 'robbed'");
    expect(rowCount).toBe(1);
    const result = await collab.persistence.barrier.track(() => collab.withDocument('w2', (doc) => addEvent(new WeddingDoc(doc), 'refused')));
    expect(result).toMatchObject({ committed: false, wrote: true });
    expect(await stored(admin, 'w2')).toEqual(['kept']);
    // The live copy holding the refused change was discarded: it is not served from memory.
    await waitFor(() => !collab.hocuspocus.documents.has('wedding:w2'), 'the live copy to be discarded');
  });
});
