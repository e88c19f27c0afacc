import { describe, expect, it } from 'vitest';
import { WeddingListResponse } from '../../schema/api/weddings.ts';
import { WedSyncClientError, createWedding as sdkCreateWedding } from '../../client/sdk/node.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';

async function createWedding(t: TestServer, weddingId: string, date?: string): Promise<void> {
  const conn = await t.connect(weddingId, await t.token('planner', [weddingId]));
  await conn.whenSynced();
  conn.doc.setMeta({ title: `Wedding ${weddingId}`, ...(date ? { date } : {}) });
  await conn.whenAcknowledged();
}

async function list(t: TestServer, token: string) {
  const res = await t.fetch('/api/weddings', { token });
  expect(res.status).toBe(200);
  return WeddingListResponse.parse(await res.json()).weddings;
}

describe('GET /api/weddings', () => {
  it('lists the weddings a token names with their titles and dates, marking those not created yet', async () => {
    const t = await startTestServer();
    await createWedding(t, 'w1', '2027-06-12');
    await createWedding(t, 'w3');
    expect(await list(t, await t.token('planner', ['w9', 'w1']))).toEqual([{ id: 'w1', stored: true, title: 'Wedding w1', date: '2027-06-12' }, { id: 'w9', stored: false }]);
  });

  it('lists every stored wedding, compacted or not, for an all-weddings token, plus any other id it names', async () => {
    const t = await startTestServer({ env: { STORE_DEBOUNCE_MS: '600000', STORE_MAX_DEBOUNCE_MS: '600000' } });
    await createWedding(t, 'w2');
    const persistence = t.server.collab.persistence;
    await persistence.compact('wedding:w2', persistence.loadedDocument('wedding:w2')!);
    await persistence.compacted('wedding:w2');
    await createWedding(t, 'w1');
    // w2 is compacted into `documents`; w1 so far exists only as update-log rows.
    await waitFor(async () => (await t.server.stored.logLength('wedding:w2')) === 0, 'w2 compacted');
    expect(await t.server.stored.logLength('wedding:w1')).toBeGreaterThan(0);
    const sql = serverSql(t.server);
    expect(await sql.value('SELECT count(*) FROM documents WHERE name = ?', 'wedding:w1')).toBe(0);
    // A document that is not a wedding never shows up.
    await sql.run('INSERT INTO documents (name, state) VALUES (?, ?)', 'scratch', Buffer.alloc(0));
    // Titles are read from both, compacted or not.
    const w1 = { id: 'w1', stored: true, title: 'Wedding w1', date: null };
    const w2 = { id: 'w2', stored: true, title: 'Wedding w2', date: null };
    expect(await list(t, await t.token('admin', ['*']))).toEqual([w1, w2]);
    expect(await list(t, await t.token('admin', ['*', 'w0']))).toEqual([{ id: 'w0', stored: false }, w1, w2]);
  });

  it('refuses a missing or invalid token with a coded error', async () => {
    const t = await startTestServer();
    const missing = await t.fetch('/api/weddings');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'token_missing' } });
    const invalid = await t.fetch('/api/weddings', { token: 'not.a.token' });
    expect(invalid.status).toBe(401);
    expect(await invalid.json()).toMatchObject({ error: { code: 'token_invalid' } });
  });
});

describe('POST /api/weddings', () => {
  const create = (t: TestServer, token: string, body: unknown) => t.fetch('/api/weddings', { token, method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('creates a wedding with its time zone, which every peer then reads', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const res = await create(t, token, { id: 'w1', timezone: 'America/New_York', title: 'Ada & Grace', date: '2027-06-12' });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: 'w1', meta: { timezone: 'America/New_York', title: 'Ada & Grace', date: '2027-06-12', status: 'planning' } });
    const conn = await t.connect('w1', token);
    await conn.whenSynced();
    expect(conn.doc.getMeta()).toMatchObject({ timezone: 'America/New_York', title: 'Ada & Grace' });
    expect(await list(t, token)).toEqual([{ id: 'w1', stored: true, title: 'Ada & Grace', date: '2027-06-12' }]);
  });

  it('refuses a wedding without a time zone, or with one that is not IANA, and creates nothing', async () => {
    const t = await startTestServer();
    const token = await t.token('admin', ['*']);
    for (const body of [{ id: 'w1' }, { id: 'w1', timezone: '' }, { id: 'w1', timezone: 'Mars/Olympus_Mons' }, { id: 'w1', timezone: 'GMT+1 (London)' }, { id: 'w 1', timezone: 'UTC' }]) {
      const res = await create(t, token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = await res.json() as { error: { code: string; message: string } };
      expect(answer).toMatchObject({ error: { code: 'validation_failed' } });
      // Each refusal says what a time zone is, whether it was missing or not one.
      if (body.id === 'w1') expect(answer.error.message).toMatch(/timezone: .*IANA/);
    }
    expect(await list(t, token)).toEqual([]);
  });

  it('refuses an existing wedding (409), a wedding the token does not open (403) and read-only roles (403), changing nothing', async () => {
    const t = await startTestServer();
    await createWedding(t, 'w1');
    const res = await create(t, await t.token('planner', ['w1']), { id: 'w1', timezone: 'Europe/Paris' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: { code: 'wedding_exists' } });
    expect((await create(t, await t.token('planner', ['w1']), { id: 'w2', timezone: 'Europe/Paris' })).status).toBe(403);
    expect((await create(t, await t.token('couple', ['w3']), { id: 'w3', timezone: 'Europe/Paris' })).status).toBe(403);
    const conn = await t.connect('w1', await t.token('planner', ['w1']));
    await conn.whenSynced();
    expect(conn.doc.getMeta()).toEqual({ title: 'Wedding w1' });
  });
});

describe('SDK createWedding', () => {
  it('creates a wedding with its zone, refuses a missing zone before any request, and reports an existing wedding', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    let requests = 0;
    const counting: typeof fetch = (input, init) => { requests++; return fetch(input, init); };
    expect(await sdkCreateWedding({ url: t.httpUrl, token, id: 'w1', timezone: 'Asia/Tokyo', fetch: counting })).toMatchObject({ id: 'w1', meta: { timezone: 'Asia/Tokyo' } });
    const bad = sdkCreateWedding({ url: t.httpUrl, token, id: 'w1', timezone: 'Tokyo', fetch: counting });
    await expect(bad).rejects.toBeInstanceOf(WedSyncClientError);
    await expect(bad).rejects.toMatchObject({ code: 'invalid_options' });
    // @ts-expect-error the zone is required by the type too
    await expect(sdkCreateWedding({ url: t.httpUrl, token, id: 'w1', fetch: counting })).rejects.toMatchObject({ code: 'invalid_options' });
    expect(requests).toBe(1);
    await expect(sdkCreateWedding({ url: t.httpUrl, token, id: 'w1', timezone: 'Europe/Paris' })).rejects.toMatchObject({ code: 'wedding_exists' });
    await expect(sdkCreateWedding({ url: t.httpUrl, token, id: 'w2', timezone: 'Europe/Paris' })).rejects.toMatchObject({ code: 'wedding_forbidden' });
  });

  it('takes the same ws(s) URL as connectWedding, and says so when the server cannot be reached', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w5', 'w6']);
    expect(await sdkCreateWedding({ url: t.wsUrl, token, id: 'w5', timezone: 'Europe/London' })).toMatchObject({ id: 'w5' });
    const down = sdkCreateWedding({ url: 'http://127.0.0.1:1', token, id: 'w6', timezone: 'Europe/London' });
    await expect(down).rejects.toMatchObject({ code: 'server_unreachable', message: expect.stringContaining('http://127.0.0.1:1') });
    await expect(sdkCreateWedding({ url: 'ftp://example.com', token, id: 'w6', timezone: 'Europe/London' })).rejects.toMatchObject({ code: 'invalid_options' });
  });
});
