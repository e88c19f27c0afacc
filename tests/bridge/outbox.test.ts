import { describe, expect, it } from 'vitest';
import { connectWedding } from '../../client/sdk/node.ts';
import { spawnServer } from '../helpers/child-server.ts';
import { startTestServer, tempDir } from '../helpers/test-server.ts';
import { testToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks, startReceiver } from './helpers.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

const FAST_RETRIES = { RETRY_SCHEDULE_MS: '50,100,200', OUTBOX_MAX_ATTEMPTS: '6', BREAKER_THRESHOLD: '100', PUSH_COALESCE_MS: '0' };
const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

/** A server with fast retries, a subscriber connected through the API, and a planner's client. */
async function withSubscriber(env: Record<string, string> = FAST_RETRIES) {
  const t = await startTestServer({ env });
  const planner = await t.token('planner', ['w1']);
  const receiver = await startReceiver();
  const conn = await connectWebhooks(t, planner, 'w1', receiver);
  const client = await t.connect('w1', planner);
  await client.whenSynced();
  return { t, planner, receiver, conn, client };
}

describe('outbox delivery', () => {
  it('retries a failing subscriber and delivers exactly once when it recovers, with one idempotency key', async () => {
    const { t, receiver, client } = await withSubscriber();
    receiver.failNext(3, 503);
    client.doc.upsertEvent(ceremony);
    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'ceremony'), 'delivery after recovery');
    const attempts = receiver.received.filter((r) => r.body.data?.id === 'ceremony');
    expect(attempts.map((a) => a.answeredWith)).toEqual([503, 503, 503, 204]);
    expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
    // The payload is the event's, the same on every attempt (Standard Webhooks: its `timestamp` is
    // when the change was made; the attempt's time is the signed webhook-timestamp header).
    expect(new Set(attempts.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(receiver.accepted().filter((r) => r.body.data.id === 'ceremony')).toHaveLength(1);
    const delivered = "SELECT status, attempts FROM outbox WHERE entity_id = 'ceremony' AND status = 'delivered'";
    const row = await waitFor(async () => (await queryServerDatabase<{ status: string; attempts: number }>(t.server, { sqlite: delivered, postgres: delivered }))[0], 'row marked delivered');
    expect(row).toEqual({ status: 'delivered', attempts: 4 });
  });

  it('waits for Retry-After on 429', async () => {
    const { receiver, client } = await withSubscriber();
    receiver.failNext(1, 429, '1');
    client.doc.upsertEvent(ceremony);
    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'ceremony'), 'delivery after Retry-After', 10_000);
    const attempts = receiver.received.filter((r) => r.body.data?.id === 'ceremony');
    expect(attempts).toHaveLength(2);
    // webhook-timestamp is in whole seconds: the retry came at least a second (Retry-After: 1) later.
    expect(Number(attempts[1]!.headers['webhook-timestamp']) - Number(attempts[0]!.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(1);
  });

  it('a 429 holds back the connection\'s other pushes, and a newer edit of the same event, until Retry-After', async () => {
    const { receiver, client } = await withSubscriber();
    receiver.failNext(1, 429, '1');
    client.doc.upsertEvent(ceremony);
    const refused = await waitFor(() => receiver.received.find((r) => r.answeredWith === 429), 'the 429');
    // Edited while its push waits out the 429 (the newer push supersedes it), and a second event.
    client.doc.upsertEvent({ ...ceremony, title: 'Ceremony (moved)' });
    client.doc.upsertEvent({ id: 'drinks', title: 'Drinks', start: '2026-06-13T15:00:00+01:00', end: '2026-06-13T16:00:00+01:00' });
    await waitFor(() => ['Ceremony (moved)', 'Drinks'].every((title) => receiver.accepted().some((r) => r.body.data.title === title)), 'both pushes', 10_000);
    const after = receiver.received.slice(receiver.received.indexOf(refused) + 1);
    expect(after.map((r) => r.at - refused.at).filter((gap) => gap < 1000)).toEqual([]);
    expect(after.map((r) => r.answeredWith).every((s) => s < 300)).toBe(true);
  });

  it('stops on 410 and on other 4xx: dead-lettered, visible, and replayable through the API', async () => {
    const { t, planner, receiver, client } = await withSubscriber();
    receiver.failNext(1, 410);
    client.doc.upsertEvent(ceremony);
    const dead = await waitFor(async () => {
      const body = await (await t.fetch('/api/integrations/wedding/w1/outbox', { token: planner })).json() as { entries: { id: number; status: string; attempts: number; lastError: string }[] };
      return body.entries[0];
    }, 'dead letter listed');
    expect(dead).toMatchObject({ status: 'dead', attempts: 1 });
    expect(dead.lastError).toMatch(/^gone: /);
    expect(receiver.received.filter((r) => r.body.data?.id === 'ceremony')).toHaveLength(1);

    const vendorToken = await t.token('couple', ['w1']);
    expect((await t.fetch(`/api/integrations/outbox/${dead.id}/replay`, { method: 'POST', token: vendorToken })).status).toBe(403);
    const replay = await t.fetch(`/api/integrations/outbox/${dead.id}/replay`, { method: 'POST', token: planner });
    expect(replay.status).toBe(200);
    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'ceremony'), 'replayed delivery');
    const again = await t.fetch(`/api/integrations/outbox/${dead.id}/replay`, { method: 'POST', token: planner });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'outbox_not_replayable' } });
    const missing = await t.fetch('/api/integrations/outbox/999999/replay', { method: 'POST', token: planner });
    expect(missing.status).toBe(404);
  });

  it('lists one dead letter per event, the newest, and refuses to replay an older one over it (409 outbox_superseded)', async () => {
    const { t, planner, receiver, client } = await withSubscriber();
    const listed = async () => ((await (await t.fetch('/api/integrations/wedding/w1/outbox', { token: planner })).json()) as { entries: { id: number; status: string }[] }).entries;
    receiver.failNext(2, 400);
    client.doc.upsertEvent(ceremony);
    const [older] = await waitFor(async () => { const e = await listed(); return e.length ? e : undefined; }, 'the first refusal listed');
    client.doc.upsertEvent({ ...ceremony, title: 'Ceremony in the garden' });
    const [newer] = await waitFor(async () => { const e = await listed(); return e[0] && e[0].id !== older!.id ? e : undefined; }, 'the second refusal listed');
    expect((await listed()).map((e) => e.id)).toEqual([newer!.id]);
    const refused = await t.fetch(`/api/integrations/outbox/${older!.id}/replay`, { method: 'POST', token: planner });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'outbox_superseded' } });
    expect((await t.fetch(`/api/integrations/outbox/${newer!.id}/replay`, { method: 'POST', token: planner })).status).toBe(200);
    await waitFor(() => receiver.accepted().some((r) => r.body.data.title === 'Ceremony in the garden'), 'the newest change delivered');
    expect(receiver.accepted().filter((r) => r.body.data.id === 'ceremony').map((r) => r.body.data.title)).toEqual(['Ceremony in the garden']);
  });

  it('opens the circuit breaker after repeated failures and closes it when the system recovers', async () => {
    const { t, planner, receiver, conn, client } = await withSubscriber({ ...FAST_RETRIES, BREAKER_THRESHOLD: '3', BREAKER_COOLDOWN_MS: '300', OUTBOX_MAX_ATTEMPTS: '50' });
    receiver.failNext(1000, 503);
    client.doc.upsertEvent(ceremony);
    const status = async () => (await (await t.fetch('/api/integrations/status/w1', { token: planner })).json() as { integrationStatus: { breaker: string; health: string; errorRate: number; outbox: { pending: number } }[] }).integrationStatus[0]!;
    await waitFor(async () => (await status()).breaker === 'open', 'breaker open');
    const open = await status();
    expect(open.health).toBe('failing');
    expect(open.outbox.pending).toBe(1);
    // While open, nothing goes out until the cooldown ends; then a single probe.
    const openUntil = (await t.server.bridge.store.get(conn.integrationId))!.breakerUntil!;
    const attemptsWhileOpen = receiver.received.length;
    await waitFor(() => Date.now() > openUntil, 'cooldown to pass', 5000);
    expect(receiver.received.length).toBeLessThanOrEqual(attemptsWhileOpen + 1);
    receiver.failNext(0);
    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'ceremony'), 'delivery after recovery', 10_000);
    await waitFor(async () => (await status()).breaker === 'closed', 'breaker closed');
  });

  it('delivers a push left pending by kill -9 after restart, without a duplicate external effect', async () => {
    const dataDir = tempDir();
    const receiver = await startReceiver();
    const env = { ...FAST_RETRIES, OUTBOX_MAX_ATTEMPTS: '1000', RETRY_SCHEDULE_MS: '100', CREDENTIALS_KEY: Buffer.alloc(32, 3).toString('base64') };
    const planner = await testToken('planner', ['w1']);
    let server = await spawnServer(dataDir, env);
    const connect = await fetch(`${server.httpUrl}/api/integrations/vendor/connect`, {
      method: 'POST', headers: { authorization: `Bearer ${planner}`, 'content-type': 'application/json' },
      body: JSON.stringify({ weddingId: 'w1', system: 'webhooks', credentials: { webhookSecret: receiver.secret }, configuration: { url: receiver.url } }),
    });
    expect(connect.status).toBe(201);
    // From here on the subscriber is down.
    receiver.failNext(1_000_000, 503);
    const client = await connectWedding({ url: server.wsUrl, weddingId: 'w1', token: planner });
    await client.whenSynced();
    client.doc.upsertEvent(ceremony);
    await client.whenAcknowledged();
    await waitFor(() => receiver.received.some((r) => r.body.data?.id === 'ceremony'), 'a failed attempt before the crash');
    server.child.kill('SIGKILL');
    await server.exited;
    await client.destroy();
    const idsBefore = new Set(receiver.received.filter((r) => r.body.data?.id === 'ceremony').map((r) => r.id));

    receiver.failNext(0);
    server = await spawnServer(dataDir, env);
    await waitFor(() => receiver.accepted().some((r) => r.body.data.id === 'ceremony'), 'delivery after restart', 15_000);
    const all = receiver.received.filter((r) => r.body.data?.id === 'ceremony');
    expect(new Set(all.map((r) => r.id))).toEqual(idsBefore);
    expect(receiver.accepted().filter((r) => r.body.data.id === 'ceremony')).toHaveLength(1);
    await server.kill('SIGTERM');
  }, 60_000);
});
