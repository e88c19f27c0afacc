import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../schema/index.ts';
import { TwilioSandbox } from '../../adapters/twilio/sandbox.ts';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { onPostgresBackend, serverSql } from '../helpers/test-backend.ts';
import { storedBytes } from '../helpers/stored-bytes.ts';
import { waitFor } from '../helpers/wait.ts';
import { startReceiver } from '../bridge/helpers.ts';

const marker = (name: string) => `${name}${crypto.randomBytes(8).toString('hex')}`;

type Summary = { integrationId: string; system: string; vendorId: string | null; configuration?: Record<string, unknown> };

async function api(t: TestServer, token: string, method: string, pathname: string, body?: unknown): Promise<{ status: number; text: string; json: () => unknown }> {
  const res = await t.fetch(pathname, { method, token, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

async function connect(t: TestServer, token: string, body: Record<string, unknown>): Promise<string> {
  const res = await api(t, token, 'POST', '/api/integrations/vendor/connect', { weddingId: 'w1', credentials: {}, configuration: {}, ...body });
  if (res.status !== 201) throw new Error(`connect failed: ${res.status} ${res.text}`);
  return (res.json() as { integrationId: string }).integrationId;
}

async function listed(t: TestServer, token: string): Promise<Summary[]> {
  const res = await api(t, token, 'GET', '/api/integrations?weddingId=w1');
  expect(res.status).toBe(200);
  return (res.json() as { integrations: Summary[] }).integrations;
}

/** Which of `secrets` occur in `bytes` (as UTF-8, and URL-encoded where that differs). */
function found(bytes: Buffer | string, secrets: string[]): string[] {
  const hay = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return secrets.filter((s) => hay.includes(s) || hay.includes(encodeURIComponent(s)));
}

/** Which of `secrets` the server's storage holds, by place (storedBytes: SQLite's files, PostgreSQL's rows). */
async function scanStored(t: Pick<TestServer, 'server' | 'dataDir'>, secrets: string[]): Promise<Record<string, string[]>> {
  const hits: Record<string, string[]> = {};
  for (const { where, bytes } of await storedBytes(t)) {
    const f = found(bytes, secrets);
    if (f.length) hits[where] = [...new Set([...(hits[where] ?? []), ...f])];
  }
  return hits;
}

/** Every GET route of the OpenAPI document (plus /metrics), as `token`'s holder, path and query parameters filled in. */
async function walkGets(t: TestServer, token: string, ids: Record<string, string>): Promise<{ route: string; status: number; text: string }[]> {
  const doc = (await (await t.fetch('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };
  const out: { route: string; status: number; text: string }[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const op = methods.get;
    if (!op) continue;
    const pathname = template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(ids[name] ?? 'w1'));
    const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => `${p.name}=${encodeURIComponent(ids[p.name] ?? 'w1')}`);
    const route = pathname + (query.length ? `?${query.join('&')}` : '');
    const res = await t.fetch(route, { token });
    out.push({ route, status: res.status, text: [...res.headers.entries()].join('\n') + '\n' + await res.text() });
  }
  const metrics = await t.fetch('/metrics', { token });
  out.push({ route: '/metrics', status: metrics.status, text: await metrics.text() });
  return out;
}

describe('secrets stay secret', () => {
  it('seeded secret markers appear in no API response for any role, nor anywhere in storage (SQLite: the file, its WAL and its shared memory)', async () => {
    const t = await startTestServer();
    const admin = await t.token('admin', ['*']);
    const planner = await t.token('planner', ['w1']);
    const photo = await t.token('vendor', ['w1'], { vendorId: 'photo', sub: 'vic' });
    const tokens: Record<Role | 'other-vendor', string> = {
      admin, planner, vendor: photo,
      couple: await t.token('couple', ['w1']),
      viewer: await t.token('viewer', ['w1']),
      adapter: await t.token('adapter', ['w1']),
      'other-vendor': await t.token('vendor', ['w1'], { vendorId: 'florist' }),
    };
    const twilio = await new TwilioSandbox().start();
    registerTeardown(() => twilio.stop());
    const receiver = await startReceiver();
    const vendorReceiver = await startReceiver();
    const m = { path: marker('hookpath'), zapier: marker('zapsecret'), header: marker('bearer'), proxy: marker('proxytoken'), vendorUrl: marker('vendorhook') };

    // The universal adapter: a Zapier-style URL (secret path and query), extra auth header, own signing secret.
    const hooks = await connect(t, planner, {
      system: 'webhooks',
      credentials: { webhookSecret: receiver.secret, headers: { authorization: `Bearer ${m.header}` } },
      configuration: { url: `${receiver.url}/${m.path}/?zapier-secret=${m.zapier}` },
    });
    // A URL field that is not declared secret, with a token in its query.
    const sms = await connect(t, planner, {
      system: 'twilio', credentials: { accountSid: twilio.accountSid, authToken: twilio.authToken },
      configuration: { apiBase: `${twilio.url}/?proxy-token=${m.proxy}`, smsFrom: '+447700900001' },
    });
    // A vendor's own connection.
    const vendorHooks = await connect(t, photo, { system: 'webhooks', credentials: { webhookSecret: vendorReceiver.secret }, configuration: { url: `${vendorReceiver.url}?token=${m.vendorUrl}` } });
    const secrets = [...Object.values(m), receiver.secret.slice('whsec_'.length), vendorReceiver.secret.slice('whsec_'.length), twilio.authToken];

    // Exercise them: pushes out (one failing first, so errors are recorded), a signed webhook in, a full sync, an update.
    receiver.failNext(1, 500);
    const pushed = await api(t, planner, 'POST', '/api/integrations/wedding/w1/timeline-sync', { timeline: [{ id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' }], waitMs: 0 });
    expect(pushed.status).toBe(200);
    await waitFor(() => receiver.accepted().some((r) => r.body.type === 'timeline.upserted'), 'the push to reach the subscriber');
    await waitFor(() => vendorReceiver.accepted().some((r) => r.body.type === 'timeline.upserted'), 'the push to reach the vendor subscriber');
    expect(receiver.accepted().every((r) => r.headers.authorization === `Bearer ${m.header}`)).toBe(true);
    const inbound = await sendStandardWebhook(`${t.httpUrl}/api/integrations/webhook/webhooks/${hooks}`, receiver.secret, { id: 'evt_1', type: 'vendor.upserted', data: { id: 'photo', name: 'Photo Co', category: 'photographer' } });
    expect(inbound.status).toBe(200);
    const synced = await api(t, planner, 'POST', '/api/integrations/sync/w1', { syncType: 'full' });
    expect(synced.status).toBe(200);
    const updated = await api(t, planner, 'PATCH', `/api/integrations/${hooks}`, { configuration: { events: ['timeline.upserted', 'vendor.upserted'] } });
    expect(updated.status).toBe(200);
    const snapshot = await api(t, admin, 'POST', '/api/admin/weddings/w1/snapshots', { label: 'before' });
    expect(snapshot.status).toBe(201);

    // Every GET route, as every role.
    const ids = { id: 'w1', weddingId: 'w1', sid: (snapshot.json() as { id: string }).id, vendorId: 'photo', messageId: 'msg_1', token: 'nope', from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' };
    const leaks: string[] = [];
    let answered = 0;
    for (const [role, token] of Object.entries(tokens)) {
      for (const r of await walkGets(t, token, ids)) {
        if (r.status === 200) answered++;
        const f = found(r.text, secrets);
        if (f.length) leaks.push(`${role} GET ${r.route} → ${f.join(', ')}`);
      }
    }
    // The answers of the writes that ran the adapters (their errors included).
    for (const [what, res] of [['timeline-sync', pushed], ['sync', synced], ['PATCH', updated]] as const) leaks.push(...found(res.text, secrets).map((s) => `${what} → ${s}`));
    expect(leaks).toEqual([]);
    expect(answered).toBeGreaterThan(30);

    // The secrets are stored (sealed), not dropped.
    // Configurations are the connections' (issue 12; a connection made from a wedding has the integration's id).
    const configs = await serverSql(t.server).rows<{ id: string; configuration: string }>('SELECT id, configuration FROM connections');
    // The storage, while the server runs (on SQLite the WAL holds the recent writes)…
    expect(await scanStored(t, secrets)).toEqual({});
    // …and after it closed.
    await t.close();
    expect(await scanStored(t, secrets)).toEqual({});
    expect(configs.find((c) => c.id === hooks)!.configuration).toMatch(/"url":\{"\$sealed":"v1\./);
    expect(configs.find((c) => c.id === sms)!.configuration).toMatch(/"apiBase":\{"\$sealed":"v1\.[^"]+","shown":"http:\/\/127\.0\.0\.1:\d+\/\?proxy-token=redacted"\}/);
    expect(configs.find((c) => c.id === vendorHooks)!.configuration).toContain('$sealed');
  });

  // SQLite only: the versions that stored configuration secrets in plain text wrote SQLite only.
  it.skipIf(onPostgresBackend)('configuration secrets stored in plain text by an earlier version are sealed at start-up and scrubbed from the files', async () => {
    const first = await startTestServer();
    const planner = await first.token('planner', ['w1']);
    const receiver = await startReceiver();
    const id = await connect(first, planner, { system: 'webhooks', credentials: { webhookSecret: receiver.secret }, configuration: { url: receiver.url } });
    await first.close();
    // What an earlier version wrote: the configuration as given, secrets and all (migrated onto the connection).
    const legacy = marker('legacy');
    const plainUrl = `${receiver.url}?zapier-secret=${legacy}`;
    const raw = new Database(path.join(first.dataDir, 'wedsync.sqlite'));
    raw.prepare('UPDATE connections SET configuration = ? WHERE id = ?').run(JSON.stringify({ url: plainUrl, direction: 'bidirectional' }), id);
    raw.close();
    expect(Object.keys(await scanStored(first, [legacy])).length).toBeGreaterThan(0);

    const t = await startTestServer({ dataDir: first.dataDir });
    expect(await scanStored(t, [legacy])).toEqual({});
    const [summary] = await listed(t, await t.token('planner', ['w1']));
    expect(summary!.configuration).toEqual({ url: { set: true }, direction: 'bidirectional' });
    // Still the same URL underneath: pushes reach it.
    const before = receiver.accepted().length;
    expect((await api(t, await t.token('planner', ['w1']), 'POST', '/api/integrations/wedding/w1/timeline-sync', { timeline: [{ id: 'e1', title: 'Dinner', start: '2026-06-13T19:00:00+01:00', end: '2026-06-13T21:00:00+01:00' }], waitMs: 5000 })).status).toBe(200);
    await waitFor(() => receiver.accepted().length > before, 'a push to the migrated URL');
    expect((await t.server.bridge.store.get(id))!.configuration.url).toBe(plainUrl);
    await t.close();
    expect(await scanStored(t, [legacy])).toEqual({});
  });

  it('an adapter error that quotes a secret (a CalDAV URL with a password) is masked wherever it goes', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const password = marker('apppw');
    const res = await api(t, planner, 'POST', '/api/integrations/vendor/connect', {
      weddingId: 'w1', system: 'caldav', credentials: { bearerToken: marker('tok') },
      configuration: { serverUrl: `http://ana:${password}@127.0.0.1:9/dav/?key=${marker('k')}` },
    });
    expect(res.status).toBe(400);
    // Outbound errors name a status or network code, never a library's text (item 7); whatever
    // an adapter quotes, the integration's secrets are masked (unit cases: tests/adapters/secret-fields.test.ts).
    expect(res.json()).toMatchObject({ error: { code: 'connection_test_failed' } });
    expect(res.text).not.toContain(password);
    expect(res.text).not.toContain('ana:');
    const audit = await api(t, planner, 'GET', '/api/integrations/wedding/w1/audit');
    expect(audit.text).toContain('integration.connect');
    expect(audit.text).not.toContain(password);
    expect(await scanStored(t, [password])).toEqual({});
  });

  it('admins and planners see non-secret configuration, a vendor only its own connections, the couple no configuration', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const admin = await t.token('admin', ['*']);
    const photo = await t.token('vendor', ['w1'], { vendorId: 'photo' });
    const florist = await t.token('vendor', ['w1'], { vendorId: 'florist' });
    const couple = await t.token('couple', ['w1']);
    const receiver = await startReceiver();
    const studio = await connect(t, planner, { system: 'webhooks', credentials: { webhookSecret: receiver.secret }, configuration: { url: `${receiver.url}?s=${marker('x')}`, direction: 'outbound', toleranceSeconds: 120 } });
    const own = await connect(t, photo, { system: 'webhooks', configuration: { direction: 'inbound' } });

    // The secret URL token is made by the server at connect: shown as set, never its value.
    const expected = { url: { set: true }, direction: 'outbound', toleranceSeconds: 120, secretUrlToken: { set: true } };
    for (const token of [planner, admin]) {
      const all = await listed(t, token);
      expect(all.map((i) => i.integrationId).sort()).toEqual([studio, own].sort());
      expect(all.find((i) => i.integrationId === studio)!.configuration).toEqual(expected);
    }
    const vendorSees = await listed(t, photo);
    expect(vendorSees.map((i) => [i.integrationId, i.configuration])).toEqual([[own, { direction: 'inbound', secretUrlToken: { set: true } }]]);
    expect(await listed(t, florist)).toEqual([]);
    const coupleSees = await listed(t, couple);
    expect(coupleSees.map((i) => i.integrationId).sort()).toEqual([studio, own].sort());
    expect(coupleSees.every((i) => !('configuration' in i))).toBe(true);
    expect((await api(t, await t.token('adapter', ['w1']), 'GET', '/api/integrations?weddingId=w1')).status).toBe(403);
    expect((await api(t, await t.token('planner', ['w2']), 'GET', '/api/integrations?weddingId=w1')).status).toBe(403);
  });

  it('updating a connection keeps every secret it does not send again, replaces those it does, and refuses roles that do not manage it', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const receiver = await startReceiver();
    const header = `Bearer ${marker('h')}`;
    const url = `${receiver.url}?zapier-secret=${marker('z')}`;
    const id = await connect(t, planner, { system: 'webhooks', credentials: { webhookSecret: receiver.secret, headers: { authorization: header } }, configuration: { url } });
    const stored = async () => (await t.server.bridge.store.get(id))!;
    const pushOne = async (eventId: string) => {
      const res = await api(t, planner, 'POST', '/api/integrations/wedding/w1/timeline-sync', { timeline: [{ id: eventId, title: eventId, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00' }], waitMs: 5000 });
      expect(res.status).toBe(200);
      return (res.json() as { syncResults: { success: boolean }[] }).syncResults;
    };

    // Leaving everything secret out.
    const patched = await api(t, planner, 'PATCH', `/api/integrations/${id}`, { configuration: { toleranceSeconds: 600 } });
    expect(patched.status).toBe(200);
    expect((patched.json() as Summary).configuration).toEqual({ url: { set: true }, toleranceSeconds: 600, secretUrlToken: { set: true } });
    expect((await stored()).configuration).toEqual({ url, toleranceSeconds: 600, secretUrlToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await stored()).credentials).toEqual({ webhookSecret: receiver.secret, headers: { authorization: header } });
    // Sending back what GET showed, edited.
    const [shown] = await listed(t, planner);
    expect((await api(t, planner, 'PATCH', `/api/integrations/${id}`, { configuration: { ...shown!.configuration, direction: 'outbound' } })).status).toBe(200);
    expect((await stored()).configuration).toEqual({ url, toleranceSeconds: 600, direction: 'outbound', secretUrlToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(await pushOne('e1')).toEqual([expect.objectContaining({ success: true })]);
    expect(receiver.accepted().at(-1)!.headers.authorization).toBe(header);

    // A new URL and a new header replace the old ones; the rebuilt adapter uses them.
    const next = await startReceiver();
    next.secret = receiver.secret;
    const replaced = await api(t, planner, 'PATCH', `/api/integrations/${id}`, { configuration: { url: next.url }, credentials: { headers: { authorization: 'Bearer new' } } });
    expect(replaced.status).toBe(200);
    expect(await pushOne('e2')).toEqual([expect.objectContaining({ success: true })]);
    expect(next.accepted().some((r) => r.headers.authorization === 'Bearer new' && r.body.type === 'timeline.upserted')).toBe(true);
    expect((await stored()).credentials.webhookSecret).toBe(receiver.secret);

    // Bad configuration, or a connection test that fails: nothing changes.
    const storedRow = async () => JSON.stringify(await serverSql(t.server).row('SELECT credentials_enc, configuration FROM connections WHERE id = ?', id));
    const before = await storedRow();
    const bad = await api(t, planner, 'PATCH', `/api/integrations/${id}`, { configuration: { url: 'ftp://nope', direction: 'sideways' } });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_config' } });
    const unreachable = await api(t, planner, 'PATCH', `/api/integrations/${id}`, { configuration: { url: 'http://127.0.0.1:9/hooks' } });
    expect(unreachable.status).toBe(400);
    expect(unreachable.json()).toMatchObject({ error: { code: 'connection_test_failed' } });
    const rekey = await api(t, planner, 'PATCH', `/api/integrations/${id}`, { credentials: { webhookSecret: `whsec_${crypto.randomBytes(24).toString('base64')}` } });
    expect(rekey.status).toBe(400);
    expect(rekey.json()).toMatchObject({ error: { code: 'invalid_config', message: expect.stringMatching(/is not set by hand: rotate it \(POST \/api\/connections\/:id\/rotate-webhook-secret/) } });
    expect(await storedRow()).toBe(before);

    // Who may not.
    expect((await api(t, await t.token('couple', ['w1']), 'PATCH', `/api/integrations/${id}`, { configuration: {} })).status).toBe(403);
    expect((await api(t, await t.token('vendor', ['w1'], { vendorId: 'photo' }), 'PATCH', `/api/integrations/${id}`, { configuration: {} })).status).toBe(403);
    expect((await api(t, await t.token('planner', ['w2']), 'PATCH', `/api/integrations/${id}`, { configuration: {} })).status).toBe(403);
    expect((await api(t, planner, 'PATCH', '/api/integrations/int_missing', { configuration: {} })).status).toBe(404);
    expect((await api(t, planner, 'PATCH', `/api/integrations/${id}`, { configuration: {}, status: 'active' })).status).toBe(400);
    // The audit trail names what changed, never the values.
    const audit = await api(t, planner, 'GET', '/api/integrations/wedding/w1/audit');
    expect(audit.text).toContain('integration.update');
    expect(audit.text).not.toContain('zapier-secret');
    expect(audit.text).not.toContain('Bearer new');
  });
});
