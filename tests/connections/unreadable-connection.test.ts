import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { connect, googleConnection, startSandboxes } from '../calendar/helpers.ts';
import type { ConnectionResult, UnmatchedSummary } from '../../schema/index.ts';
import { signedIn } from '../helpers/people.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

const event = (id: string) => ({ id, title: id, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00' });

/**
 * A stored connection whose sealed values no longer open under the server's key (a damaged row, one
 * restored from a database under another key) must not stop the server from starting: it is marked
 * `error` with the reason, still listed and removable, refused anything that would use its secrets,
 * and every other connection runs.
 */
describe('a connection whose secrets do not open', () => {
  it('is marked error at start-up with the reason, listed, refused updates and removable, while the server starts and the other connections push', async () => {
    const s = await startSandboxes();
    const t = await startTestServer();
    const token = await t.token('planner', ['w1', 'w2', 'w3', 'w4', 'w5']);
    const ids: Record<string, string> = {};
    for (const w of ['w1', 'w2', 'w3', 'w4', 'w5']) ids[w] = (await connect(t, token, googleConnection(s, w))).connectionId;
    const db = serverSql(t.server);
    // Each kind of damage: credentials sealed under another key, a webhook secret copied from another
    // row (sealed for that row's id), credentials that are not a sealed value at all.
    const otherKey = createCredentialCipher(crypto.randomBytes(32));
    await db.run('UPDATE connections SET credentials_enc = ? WHERE id = ?', otherKey.encrypt(JSON.stringify({ refreshToken: 'x' }), ids.w2!), ids.w2);
    const w1Secret = await db.value<string>('SELECT webhook_secret_enc FROM connections WHERE id = ?', ids.w1);
    await db.run('UPDATE connections SET webhook_secret_enc = ? WHERE id = ?', w1Secret, ids.w3);
    await db.run('UPDATE connections SET credentials_enc = ? WHERE id = ?', 'not a sealed value', ids.w4);
    // A sealed value in the configuration that does not open (SQLite's start-up also reads every
    // configuration for secrets still in plain text).
    const configuration = JSON.parse((await db.value<string>('SELECT configuration FROM connections WHERE id = ?', ids.w5))!) as Record<string, unknown>;
    configuration.calendarId = { $sealed: otherKey.encrypt(JSON.stringify(configuration.calendarId), `${ids.w5}:configuration:["calendarId"]`) };
    await db.run('UPDATE connections SET configuration = ? WHERE id = ?', JSON.stringify(configuration), ids.w5);
    await t.close();

    const again = await startTestServer({ dataDir: t.dataDir });
    expect((await again.fetch('/readyz')).status).toBe(200);
    const after = serverSql(again.server);
    for (const w of ['w2', 'w3', 'w4', 'w5']) {
      expect(await after.value<string>('SELECT status FROM connections WHERE id = ?', ids[w])).toBe('error');
      expect(await after.value<string>('SELECT status FROM integrations WHERE id = ?', ids[w])).toBe('error');
      expect(await after.value<string>('SELECT last_error FROM connections WHERE id = ?', ids[w])).toContain(`connection ${ids[w]}: its sealed credentials do not open under this server's key-encryption key`);
    }
    expect(await after.value<string>('SELECT status FROM connections WHERE id = ?', ids.w1)).toBe('active');
    // Shown as it is, refused anything that would use its secrets, and removable.
    const planner = await again.token('planner', ['w1', 'w2', 'w3', 'w4', 'w5']);
    const listed = await again.fetch('/api/integrations?weddingId=w2', { token: planner });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { integrations: { integrationId: string; status: string }[] }).integrations).toMatchObject([{ integrationId: ids.w2, status: 'error' }]);
    expect((await again.fetch('/api/integrations/status/w2', { token: planner })).status).toBe(200);
    const patched = await again.fetch(`/api/integrations/${ids.w3}`, {
      method: 'PATCH', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credentials: { clientSecret: 'new' } }),
    });
    expect(patched.status).toBe(409);
    expect(((await patched.json()) as { error: { code: string } }).error.code).toBe('connection_unreadable');
    expect((await again.fetch(`/api/integrations/${ids.w4}`, { method: 'DELETE', token: planner })).status).toBe(204);
    expect(await after.value('SELECT id FROM connections WHERE id = ?', ids.w4)).toBeUndefined();
    expect((await again.fetch(`/api/integrations/${ids.w5}`, { method: 'DELETE', token: planner })).status).toBe(204);
    // The readable one still runs: a timeline change reaches its calendar.
    const res = await again.fetch('/api/integrations/wedding/w1/timeline-sync', {
      method: 'POST', token: await again.token('planner', ['w1']), headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ timeline: [event('after-restart')], waitMs: 0 }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => s.google.events(s.googleCalendarId).some((e) => e.summary === 'after-restart'), 'the push of the readable connection');
  });

  it('makes no wedding from its unmatched record: creating one is refused with 409 before anything is written', async () => {
    const s = await startSandboxes();
    const t = await startTestServer();
    const { alex, lens } = await studio(t, STORY_WEDDINGS.slice(0, 1));
    const token = await alex.accessToken('w-ana');
    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'google-calendar', label: 'Studio calendar',
      credentials: { refreshToken: s.google.issueRefreshToken('wedsync-client', 'wedsync-secret'), clientId: 'wedsync-client', clientSecret: 'wedsync-secret' },
      configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, importEvents: 'all' },
    } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect((await api(t, `/api/connections/${made.body.connectionId}/bindings`, token, { json: { weddingId: 'w-ana', configuration: { vendorId: 'photo' } } })).status).toBe(201);
    s.google.userInsert(s.googleCalendarId, { id: 'maria-tom-1', summary: 'Maria & Tom wedding', start: { dateTime: '2027-09-18T13:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-09-18T23:00:00-04:00', timeZone: 'America/New_York' } });
    const queue = async (server: typeof t, bearer: string) => (await api<{ records: UnmatchedSummary[] }>(server, `/api/workspaces/${lens.id}/unmatched`, bearer)).body.records;
    await waitFor(async () => (await queue(t, token)).length === 1, 'the unknown event in the unmatched queue');
    const otherKey = createCredentialCipher(crypto.randomBytes(32));
    await serverSql(t.server).run('UPDATE connections SET credentials_enc = ? WHERE id = ?', otherKey.encrypt('{}', made.body.connectionId), made.body.connectionId);
    await t.close();

    const again = await startTestServer({ dataDir: t.dataDir });
    const sql = serverSql(again.server);
    const counts = async () => [await sql.value<number>('SELECT count(*) AS n FROM weddings'), await sql.value<number>('SELECT count(*) AS n FROM integrations')].map(Number);
    const before = await counts();
    const bearer = await (await signedIn(again, 'alex@lens.example')).accessToken('w-ana');
    const [record] = await queue(again, bearer);
    expect(record).toBeTruthy();
    const refused = await api<{ error: { code: string } }>(again, `/api/unmatched/${record!.id}/create-wedding`, bearer, { json: { timezone: 'America/New_York' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('connection_unreadable');
    expect(await counts()).toEqual(before);
    // Still in the queue, for when the connection is made again.
    expect((await queue(again, bearer)).map((r) => r.id)).toEqual([record!.id]);
  });
});
