import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GoogleCalendarSandbox } from '../../adapters/google-calendar/sandbox.ts';
import type { GoogleEvent } from '../../adapters/google-calendar/mappers.ts';
import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import type { IntegrationSummary } from '../../schema/index.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, tempDir } from '../helpers/test-server.ts';
import { onPostgresBackend } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';

// Per-wedding integrations migrate to a connection and a binding on start-up (issue 12, item 1): a
// data directory written by the version before connections (commit a6ef17f,
// tests/fixtures/data-a6ef17f-integrations/README.md) keeps its links, cursors, inbox, outbox and
// audit, its webhook URLs and secrets, and nothing is pushed or pulled twice.

const FIXTURE = fileURLToPath(new URL('../fixtures/data-a6ef17f-integrations/', import.meta.url));
interface State {
  weddingId: string;
  integrations: { googleCalendar: string; stripe: string; webhooks: string };
  googleCalendar: { oauthClient: { clientId: string; clientSecret: string }; calendars: { id: string; summary: string; timeZone: string; events: GoogleEvent[] }[] };
  stripe: { webhookEndpoints: { secret: string }[]; events: { id: string; type: string }[] };
}
const state = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'sandbox-state.json'), 'utf8')) as State;
const W = state.weddingId;
const GOOGLE = state.integrations.googleCalendar;
const STRIPE = state.integrations.stripe;

function fixtureCopy(): string {
  const dir = tempDir('wedsync-mig12-');
  for (const f of fs.readdirSync(FIXTURE)) if (f !== 'README.md' && f !== 'sandbox-state.json') fs.copyFileSync(path.join(FIXTURE, f), path.join(dir, f));
  return dir;
}

function before(dir: string) {
  const db = new Database(path.join(dir, 'wedsync.sqlite'), { readonly: true });
  try {
    return {
      links: db.prepare('SELECT integration_id, entity, entity_id, external_id, last_hash, version FROM links ORDER BY 1, 2, 3').all(),
      outbox: db.prepare('SELECT id, integration_id, status, idempotency_key FROM outbox ORDER BY id').all(),
      inbox: db.prepare('SELECT id, integration_id, event_id, status FROM inbox ORDER BY id').all(),
      audit: db.prepare('SELECT id, integration_id, action FROM audit ORDER BY id').all(),
      cursors: Object.fromEntries((db.prepare('SELECT id, cursor FROM integrations').all() as { id: string; cursor: string | null }[]).map((r) => [r.id, r.cursor])),
    };
  } finally {
    db.close();
  }
}

// SQLite only: that version stored everything in DATA_DIR's SQLite; a cluster on PostgreSQL starts
// from this version's schema.
describe.skipIf(onPostgresBackend)('integrations made per wedding become connections with one binding', () => {
  it('keeps links, cursors, inbox, outbox, audit, webhook URLs and secrets; nothing is pushed or pulled twice', async () => {
    const dir = fixtureCopy();
    const old = before(dir);
    expect(old.links).toHaveLength(7);
    const t = await startTestServer({ dataDir: dir, env: { PULL_INTERVAL_MS: '600000' } });
    const planner = await t.token('planner', [W]);

    // Rows: a connection under each integration's id, the integration its one binding, claiming its records.
    const db = t.server.db;
    const connections = db.prepare('SELECT id, system, cursor, workspace_id FROM connections ORDER BY id').all() as { id: string; system: string; cursor: string | null }[];
    expect(connections.map((c) => c.id).sort()).toEqual(Object.values(state.integrations).sort());
    for (const c of connections) expect(c.cursor).toBe(old.cursors[c.id]);
    const bindings = db.prepare('SELECT id, connection_id, claims_unmatched, configuration, wedding_id FROM integrations').all() as { id: string; connection_id: string; claims_unmatched: number; configuration: string; wedding_id: string }[];
    expect(bindings.every((b) => b.connection_id === b.id && b.claims_unmatched === 1 && b.configuration === '{}' && b.wedding_id === W)).toBe(true);
    expect(db.prepare('SELECT integration_id, entity, entity_id, external_id, last_hash, version FROM links ORDER BY 1, 2, 3').all()).toEqual(old.links);
    expect(db.prepare('SELECT id, integration_id, status, idempotency_key FROM outbox ORDER BY id').all()).toEqual(old.outbox);
    expect(db.prepare('SELECT id, integration_id, event_id, status FROM inbox ORDER BY id').all()).toEqual(old.inbox);
    expect(db.prepare('SELECT id, integration_id, action FROM audit ORDER BY id LIMIT ?').all(old.audit.length)).toEqual(old.audit);

    // The API shows the same integrations, with their configurations (now the connections') and webhook URLs.
    const listed = await (await t.fetch(`/api/integrations?weddingId=${W}`, { token: planner })).json() as { integrations: IntegrationSummary[] };
    const google = listed.integrations.find((i) => i.integrationId === GOOGLE)!;
    expect(google.webhookUrl).toBe(`${t.httpUrl}/api/integrations/webhook/google-calendar/${GOOGLE}`);
    expect(google.configuration).toMatchObject({ calendarId: 'wedding.planner@example.com', importEvents: 'all' });
    expect(listed.integrations.map((i) => i.integrationId).sort()).toEqual(Object.values(state.integrations).sort());
    // The dead letter is still there to replay.
    const dead = await (await t.fetch(`/api/integrations/wedding/${W}/outbox`, { token: planner })).json() as { entries: { integrationId: string; status: string }[] };
    expect(dead.entries.map((e) => [e.integrationId, e.status])).toEqual([[state.integrations.webhooks, 'dead']]);

    // The Stripe endpoint's signing secret (sealed in the adapter state with the webhook secret) still verifies, and
    // an event delivered before is not applied again.
    const replayed = state.stripe.events.find((e) => e.type === 'payment_intent.succeeded')!;
    const body = JSON.stringify(replayed);
    const signature = StripeSandbox.sign(state.stripe.webhookEndpoints[0]!.secret, body, Math.floor(Date.now() / 1000));
    const res = await fetch(`${t.httpUrl}/api/integrations/webhook/stripe/${STRIPE}`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
    expect(res.status).toBe(200);
    const forged = await fetch(`${t.httpUrl}/api/integrations/webhook/stripe/${STRIPE}`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': StripeSandbox.sign('whsec_not_it', body, Math.floor(Date.now() / 1000)) }, body });
    expect(forged.status).toBe(401);
    expect(db.prepare('SELECT count(*) FROM inbox WHERE integration_id = ?').pluck().get(STRIPE)).toBe(old.inbox.filter((r) => (r as { integration_id: string }).integration_id === STRIPE).length);

    // Google Calendar, as it was (the same events, in the same order: the stored etags and sync token stay valid), at a new address.
    const sandbox = await new GoogleCalendarSandbox().start();
    registerTeardown(() => sandbox.stop());
    const cal = state.googleCalendar.calendars[0]!;
    sandbox.addCalendar({ id: cal.id, summary: cal.summary, timeZone: cal.timeZone });
    for (const e of cal.events) sandbox.userInsert(cal.id, e);
    const { clientId, clientSecret } = state.googleCalendar.oauthClient;
    const patched = await t.fetch(`/api/integrations/${GOOGLE}`, {
      method: 'PATCH', token: planner, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ configuration: { apiBaseUrl: sandbox.url, tokenUrl: sandbox.tokenUrl, watch: false }, credentials: { refreshToken: sandbox.issueRefreshToken(clientId, clientSecret), clientId, clientSecret } }),
    });
    expect(patched.status, await patched.clone().text()).toBe(200);
    const synced = await t.fetch(`/api/integrations/sync/${W}`, { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ syncType: 'incremental', systems: ['google-calendar'] }) });
    expect(synced.status).toBe(200);
    // The stored sync token was used (an incremental read: a refused one would have turned into a full
    // resync, audited as pull.resync), and nothing was written to Google.
    expect(((await synced.json()) as { syncResults: { success: boolean }[] }).syncResults).toEqual([expect.objectContaining({ success: true })]);
    expect(db.prepare("SELECT count(*) FROM audit WHERE action = 'pull.resync'").pluck().get()).toBe(0);
    expect(sandbox.requests.some((r) => r.method === 'GET' && r.path.includes(`syncToken=${old.cursors[GOOGLE]!.replace(/^sync:/, '')}`))).toBe(true);
    expect(sandbox.writes(cal.id)).toEqual([]);
    const c = await t.connect(W, planner);
    await c.whenSynced();
    const titles = c.doc.listEvents().map((e) => e.title).sort();
    expect(titles).toEqual(['Ceremony', 'Dinner', 'First dance', 'Hair & make-up'].sort());
    expect(c.doc.listPayments()).toHaveLength(1);
    expect(db.prepare("SELECT count(*) FROM outbox WHERE id > ?").pluck().get(old.outbox.length)).toBe(0);

    // A change made in Google now comes in through the migrated connection, once.
    const dinner = cal.events.find((e) => e.summary === 'Dinner')!;
    sandbox.userPatch(cal.id, dinner.id!, { location: 'The Orangery' });
    await t.fetch(`/api/integrations/sync/${W}`, { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ syncType: 'incremental', systems: ['google-calendar'] }) });
    await waitFor(() => c.doc.listEvents().find((e) => e.title === 'Dinner')?.location === 'The Orangery', 'the change from Google');
    expect(c.doc.listEvents()).toHaveLength(4);
  });
});
