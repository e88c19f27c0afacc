import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWebhooks } from './helpers.ts';

// Under a flood, acknowledgements wait for application (server/bridge/intake-pacing.ts) instead of
// letting the backlog, and the time until a vendor's change reaches the wedding, grow. A budget of
// 1 ms makes any slice count as behind (a webhook cannot be verified, stored and applied in 1 ms),
// so the instance starts pacing on any machine. Whether a delivery then waits depends on the
// machine (application that keeps up lends every delivery a row it finished), so that is left to
// the class's own tests (intake-pacing.test.ts) and the benchmark.
const DELIVERIES = 150;
const IN_FLIGHT = 30;

async function flood(lagMs: string) {
  const t = await startTestServer({ env: { WEBHOOK_PACING_LAG_MS: lagMs } });
  const planner = await t.token('planner', ['w1']);
  const client = await t.connect('w1', planner);
  await client.whenSynced();
  const conn = await connectWebhooks(t, planner, 'w1');
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < DELIVERIES) {
      const n = next++;
      const res = await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, {
        id: `evt_${n}`, type: 'timeline.upserted', data: { id: `slot-${n}`, title: `Slot ${n}`, start: '2027-06-12T15:00:00Z', end: '2027-06-12T15:30:00Z' },
      });
      expect(await res.json()).toEqual({ received: true });
      statuses.push(res.status);
    }
  }));
  const metrics = await (await t.fetch('/metrics')).text();
  const paced = Number(/^wedsync_webhook_paced_seconds_count (\d+)$/m.exec(metrics)?.[1] ?? 'NaN');
  const started = Number(/^wedsync_webhook_pacing_started_total (\d+)$/m.exec(metrics)?.[1] ?? 'NaN');
  return { t, client, statuses, paced, started };
}

describe('webhook intake paced to application', () => {
  it('a vendor system floods the wedding while it is paced: every delivery is acknowledged, stored once and applied', async () => {
    const { t, client, statuses, paced, started } = await flood('1');
    expect(statuses).toEqual(Array.from({ length: DELIVERIES }, () => 200));
    expect(started).toBeGreaterThan(0);
    expect(Number.isInteger(paced)).toBe(true);
    const sql = serverSql(t.server);
    expect(await sql.value<number>("SELECT count(*) FROM inbox WHERE event_id LIKE 'evt_%'")).toBe(DELIVERIES);
    await waitFor(() => client.doc.listEvents().length >= DELIVERIES, 'every slot in the timeline', 20_000);
    expect(new Set(client.doc.listEvents().map((e) => e.id)).size).toBe(DELIVERIES);
    // Waiting is bounded (2 s) and none waited in vain: nothing is left pending.
    await waitFor(async () => (await sql.value<number>("SELECT count(*) FROM inbox WHERE status = 'pending'")) === 0, 'the inbox applied');
  });

  it('WEBHOOK_PACING_LAG_MS=0 turns the pacing off: the same flood never waits', async () => {
    const { client, statuses, paced, started } = await flood('0');
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(started).toBe(0);
    expect(paced).toBe(0);
    await waitFor(() => client.doc.listEvents().length >= DELIVERIES, 'every slot in the timeline', 20_000);
  });
});
