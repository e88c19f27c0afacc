import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { CLI } from '../helpers/child-server.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { SANDBOX_OUTBOUND_ALLOW, startTestServer, tempDir } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { startReceiver } from './helpers.ts';

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

describe('an adapter peer out of process', () => {
  it('runs over WebSocket with an adapter token: pushes document changes out and brings webhooks in, without echo', async () => {
    const t = await startTestServer();
    const receiver = await startReceiver();
    const dir = tempDir();
    const configFile = path.join(dir, 'peer.json');
    fs.writeFileSync(configFile, JSON.stringify({
      url: t.wsUrl,
      token: await t.token('adapter', ['w1'], { sub: 'adapter:webhooks:peer1' }),
      weddingId: 'w1', integrationId: 'peer1', system: 'webhooks',
      credentials: { webhookSecret: receiver.secret }, configuration: { url: receiver.url },
      dataDir: path.join(dir, 'peer-data'), webhookPort: 0, retryScheduleMs: '100', outboundAllow: SANDBOX_OUTBOUND_ALLOW,
    }));
    const child = spawn(process.execPath, [CLI, 'peer', '--config', configFile], { env: { ...process.env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => { out += c; });
    child.stderr.on('data', (c: Buffer) => { out += c; });
    const exited = new Promise((r) => child.once('exit', r));
    registerTeardown(async () => { if (child.exitCode === null) { child.kill('SIGKILL'); await exited; } });
    const peerUrl = await waitFor(() => /webhooks: (http:\/\/\S+)/.exec(out)?.[1], 'the peer to listen', 20_000);

    const planner = await t.connect('w1', await t.token('planner', ['w1']));
    await planner.whenSynced();
    planner.doc.upsertEvent(ceremony);
    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'ceremony'), 'the peer to push the planner\'s event', 15_000);

    const res = await sendStandardWebhook(peerUrl, receiver.secret, { id: 'ext-1', type: 'vendor.upserted', data: { id: 'dj', name: 'DJ Sam', category: 'dj' } });
    expect(res.status).toBe(200);
    await waitFor(() => planner.doc.getVendor('dj'), 'the webhook to reach the wedding through the peer', 15_000);
    const forged = await sendStandardWebhook(peerUrl, 'whsec_' + Buffer.alloc(24, 9).toString('base64'), { id: 'ext-2', type: 'vendor.upserted', data: { id: 'x', name: 'X', category: 'dj' } });
    expect(forged.status).toBe(401);
    // The server attributes the peer's writes to the adapter, and the peer never echoes them back.
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toMatch(/wedsync_document_updates_total\{origin="adapter"\} [1-9]/);
    expect(receiver.accepted().filter((r) => r.body.type === 'vendor.upserted')).toHaveLength(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);
});
