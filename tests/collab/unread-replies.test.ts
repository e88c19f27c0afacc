import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { MSG, authFrame, record, syncStep1Frame } from '../helpers/frames.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

// A client that keeps asking (sync step 1: "send me the whole wedding") and never reads the answers
// made the server buffer every answer: 150 MB to 1.5 GB in 9 s on a 774 KB wedding. The server now
// stops reading such a socket once COLLAB_MAX_BUFFERED_BYTES of what it sent lies unread (never
// below twice MAX_DOCUMENT_BYTES: here 128 KiB), and drops it once it has kept four times that
// unread for COLLAB_MAX_PAUSE_MS (others' broadcasts still come); the others go on.

const ENV = { COLLAB_MAX_BUFFERED_BYTES: String(64 * 1024), MAX_DOCUMENT_BYTES: String(64 * 1024), COLLAB_MAX_PAUSE_MS: '500' };
const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, (c) => `\\${c}`)} (\\d+)`, 'm').exec(text)?.[1] ?? 0);

describe('a client that never reads', () => {
  it('is paused once its unread answers pass the limit and dropped at four times it, while the others keep editing; one that reads is never dropped', async () => {
    const t = await startTestServer({ env: ENV });
    const token = await t.token('planner', ['w1']);
    const planner = await t.connect('w1', token);
    await planner.whenSynced();
    // A wedding of about 50 KB, all of it in every answer to a sync step 1.
    for (let i = 0; i < 10; i++) planner.doc.upsertEvent({ id: `e${i}`, title: `Event ${i}`, start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', notes: 'x'.repeat(5_000) });
    await planner.whenAcknowledged();

    const raw = new WebSocket(t.wsUrl);
    await new Promise((r) => raw.once('open', r));
    const { frames, closed } = record(raw);
    raw.send(authFrame('wedding:w1', token));
    await waitFor(() => frames.some((f) => f.type === MSG.Auth && f.authSubtype === 2), 'authenticated');
    // From here on it reads nothing, and asks for the whole wedding again and again.
    (raw as unknown as { _socket: { pause(): void } })._socket.pause();
    let asked = 0;
    const asking = setInterval(() => { for (let i = 0; i < 10; i++, asked++) raw.send(syncStep1Frame('wedding:w1')); }, 10);
    await waitFor(async () => metric(await (await t.fetch('/metrics')).text(), 'wedsync_collab_throttled_total{scope="unread"}') >= 1, 'the socket paused for its unread answers');
    clearInterval(asking);
    // Questions sent now are not even read.
    for (let i = 0; i < 200; i++, asked++) raw.send(syncStep1Frame('wedding:w1'));

    // Others' edits still reach it: once it has kept four times the limit unread for the longest
    // pause, it is dropped (checked as the next frame is sent to it).
    const rewrite = async (n: number) => {
      for (let i = 0; i < n; i++) planner.doc.upsertEvent({ id: `e${i % 10}`, notes: String.fromCharCode(97 + (i % 26)).repeat(5_000) });
      await planner.whenAcknowledged();
    };
    await rewrite(130);
    await new Promise((r) => setTimeout(r, 600));
    await rewrite(10);
    await waitFor(async () => metric(await (await t.fetch('/metrics')).text(), 'wedsync_websocket_rejected_total{reason="not_reading"}') === 1, 'the socket dropped');
    (raw as unknown as { _socket: { resume(): void } })._socket.resume();
    expect((await closed).code).toBe(1006);
    // Not an answer buffered for every question: reading stopped after the first few (those the
    // kernel's socket buffers took, then up to the limit).
    expect(asked).toBeGreaterThanOrEqual(200);
    expect(frames.filter((f) => f.type === MSG.Sync).length).toBeLessThan(asked - 150);
    // The planner edits on; a client that reads, on the same wedding, syncs and stays.
    const reader = await t.connect('w1', token);
    await reader.whenSynced();
    planner.doc.setMeta({ title: 'Still editing' });
    await waitFor(() => reader.doc.getMeta().title === 'Still editing', 'the edit at a reading peer');
    expect(metric(await (await t.fetch('/metrics')).text(), 'wedsync_websocket_rejected_total{reason="not_reading"}')).toBe(1);
  });
});
