import { describe, expect, it } from 'vitest';
import { connectWedding, type WeddingConnection } from '../../client/sdk/node.ts';
import { spawnServer } from '../helpers/child-server.ts';
import { tempDir } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';

/**
 * The promise of issue 2: an update the server has acknowledged (the provider's unsynced count back
 * at 0) survives `kill -9` at any moment. Each round edits, waits for the acknowledgement and kills
 * the server at once; a fresh client on a restarted server must find every acknowledged edit.
 */
describe('durability', () => {
  it('keeps every acknowledged edit across kill -9 right after the acknowledgement', async () => {
    const dataDir = tempDir();
    const token = await testToken('planner', ['w1']);
    const expected = new Map<string, string>();
    const rounds = 12;
    let edits = 0;
    const gapsMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      // Long debounce: compaction never runs, so everything rests on the update log.
      const server = await spawnServer(dataDir, { STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '60000', LOG_LEVEL: 'warn' });
      const client: WeddingConnection = await connectWedding({ url: server.wsUrl, weddingId: 'w1', token });
      await client.whenSynced();
      const n = 1 + (round * 7) % 20;
      for (let i = 0; i < n; i++) {
        const id = `r${round}-e${i}`;
        const title = `round ${round} edit ${i}`;
        client.doc.upsertEvent({ id, title, start: '2026-06-13T12:00:00Z', end: '2026-06-13T13:00:00Z' });
        expected.set(id, title);
        edits++;
      }
      if (round % 3 === 1) client.doc.eventNotes(`r${round}-e0`)!.insert(0, 'typed just before the crash');
      await client.whenAcknowledged();
      const acked = performance.now();
      server.child.kill('SIGKILL');
      gapsMs.push(performance.now() - acked);
      expect(await server.exited).toBe('SIGKILL');
      await client.destroy();
    }

    const server = await spawnServer(dataDir, { LOG_LEVEL: 'warn' });
    const reader = await connectWedding({ url: server.wsUrl, weddingId: 'w1', token });
    await reader.whenSynced();
    const events = reader.doc.listEvents();
    expect(events).toHaveLength(expected.size);
    for (const e of events) expect(e.title).toBe(expected.get(e.id));
    expect(reader.doc.getEvent('r1-e0')!.notes).toBe('typed just before the crash');
    await reader.destroy();
    await server.kill('SIGTERM');
    console.info(`durability: ${rounds} kill -9 rounds, ${edits} acknowledged edits, all recovered; ack→kill gap max ${Math.max(...gapsMs).toFixed(2)} ms`);
  }, 120_000);

  it('flushes on SIGTERM and exits 0', async () => {
    const dataDir = tempDir();
    const token = await testToken('planner', ['w2']);
    const server = await spawnServer(dataDir, { STORE_DEBOUNCE_MS: '60000', STORE_MAX_DEBOUNCE_MS: '60000' });
    const client = await connectWedding({ url: server.wsUrl, weddingId: 'w2', token });
    await client.whenSynced();
    client.doc.setMeta({ title: 'Ana & Ben' });
    await client.whenAcknowledged();
    expect(await server.kill('SIGTERM')).toBe(0);
    expect(server.output()).toContain('compacted loaded documents for shutdown');
    await client.destroy();
    const again = await spawnServer(dataDir);
    const reader = await connectWedding({ url: again.wsUrl, weddingId: 'w2', token });
    await reader.whenSynced();
    expect(reader.doc.getMeta().title).toBe('Ana & Ben');
    await reader.destroy();
    await again.kill('SIGTERM');
  }, 60_000);
});
