import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { startTestServer, tempDir } from '../helpers/test-server.ts';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('../fixtures/offline-client.ts', import.meta.url));
const LOADER = fileURLToPath(new URL('../../server/cli/typescript-loader.mjs', import.meta.url));

async function client(args: string[]): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, ['--import', LOADER, FIXTURE, ...args], { timeout: 30_000 });
  const last = stdout.trim().split('\n').pop();
  return last ? JSON.parse(last) : {};
}

describe('offline client', () => {
  it('edits offline across a restart of itself and sends only the missing diff on reconnect', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const store = tempDir();
    await client([t.wsUrl, 'w1', token, store, 'seed', '150']);

    // Process 2 starts with no network at all: it sees the seeded wedding from its store and edits.
    const offline = await client([t.wsUrl, 'w1', token, store, 'offline', 'late-addition']);
    expect(offline.seededEventsSeenOffline).toBe(150);

    // Process 3 starts from the store, connects and syncs.
    const resync = await client([t.wsUrl, 'w1', token, store, 'resync']);
    expect(resync.eventsAtStart).toBe(151);
    const reader = await t.connect('w1', token);
    await reader.whenSynced();
    expect(reader.doc.getEvent('late-addition')?.title).toBe('Added offline');
    const fullSize = Y.encodeStateAsUpdate(reader.ydoc).byteLength;
    console.info(`offline resync: sent ${resync.bytesSent} bytes; full document ${fullSize} bytes`);
    expect(resync.bytesSent).toBeLessThan(fullSize / 10);
  }, 60_000);
});
