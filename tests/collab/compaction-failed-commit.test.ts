import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { startTestServer } from '../helpers/test-server.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';

/**
 * Compaction on SQLite commits the open group before it checks that the live copy is still loaded:
 * if that COMMIT fails, the group's changes are rolled back and the document discarded, and the live
 * encoding (which holds the rolled-back change) must not be stored.
 */
// SQLite only: the open group commit is SQLite's; on PostgreSQL compaction folds committed rows only
// (tests/storage/document-store-backends.test.ts) and a refused COMMIT stores nothing (postgres-group-commit).
describe.skipIf(onPostgresBackend)('compaction when committing the open group fails (SQLite)', () => {
  it('does not store a live encoding holding a rolled-back change', async () => {
    const t = await startTestServer({ env: { STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '60000' } });
    const token = await t.token('planner', ['w1']);
    const client = await t.connect('w1', token);
    await client.whenSynced();
    const persistence = t.server.collab.persistence;
    const live = persistence.loadedDocument('wedding:w1')!;
    expect(live).toBeDefined();
    await persistence.compacted('wedding:w1');
    // A deferred foreign key makes the group's COMMIT itself fail (as SQLITE_FULL at COMMIT would).
    t.server.db.exec('CREATE TABLE probe_parent (id INTEGER PRIMARY KEY); CREATE TABLE probe_child (p INTEGER REFERENCES probe_parent(id) DEFERRABLE INITIALLY DEFERRED)');

    live.transact(() => live.getMap('probe').set('k', 'rolled back'));
    persistence.group.write(() => t.server.db.prepare('INSERT INTO probe_child VALUES (42)').run());
    expect(persistence.group.pending).toBe(true);
    await persistence.compact('wedding:w1', live);

    const stored = t.server.documents.load('wedding:w1');
    const doc = new Y.Doc();
    if (stored.state) Y.applyUpdate(doc, stored.state);
    for (const u of stored.log) Y.applyUpdate(doc, u);
    // The change's append was rolled back with its group: storage must not hold it.
    expect(doc.getMap('probe').get('k')).toBeUndefined();
  });
});
