import { describe, expect, it } from 'vitest';
import { authFrame, record, syncStep1Frame } from '../helpers/frames.ts';
import { signedIn, workspaceWith, type Browser } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

type Created = { id: string; key: string; role: string; weddings: string[]; vendorId: string | null; expiresAt: number | null; lastUsedAt: number | null; revokedAt: number | null };
type ErrorBody = { error: { code: string } };
const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T14:45:00+01:00' };

async function createKey(owner: Browser, workspaceId: string, body: Record<string, unknown>): Promise<Created> {
  const res = await owner.fetch(`/api/workspaces/${workspaceId}/api-keys`, { json: body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Created;
}

const weddingsOf = async (t: TestServer, key: string) => {
  const res = await t.fetch('/api/weddings', { token: key });
  return res.status === 200 ? ((await res.json()) as { weddings: Array<{ id: string }> }).weddings.map((w) => w.id) : res.status;
};

describe('API keys for machines', () => {
  it('a key works on HTTP and the WebSocket for the weddings it lists, with its role, and stops at once when revoked', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const bloom = await workspaceWith(t, ana, 'Bloom Planning', ['w1', 'w2']);
    const cara = await signedIn(t, 'cara@ivory.example', 'Cara');
    await workspaceWith(t, cara, 'Ivory Events', ['w3']);

    const created = await createKey(ana, bloom.id, { name: 'Zapier', role: 'planner', weddings: ['w1'], expiresInDays: 30 });
    expect(created.key).toMatch(/^wsk_key_[A-Za-z0-9_-]{20}_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ role: 'planner', weddings: ['w1'], vendorId: null, revokedAt: null, lastUsedAt: null });
    expect(created.expiresAt! - Date.now()).toBeGreaterThan(29 * 86_400_000);

    // HTTP: its own wedding only.
    expect(await weddingsOf(t, created.key)).toEqual(['w1']);
    expect((await t.fetch('/api/integrations/status/w1', { token: created.key })).status).toBe(200);
    for (const other of ['w2', 'w3']) {
      const res = await t.fetch(`/api/integrations/status/${other}`, { token: created.key });
      expect({ other, status: res.status, code: ((await res.json()) as ErrorBody).error.code }).toEqual({ other, status: 403, code: 'wedding_forbidden' });
    }
    // WebSocket: writes w1 as a planner; w2 refused.
    const conn = await t.connect('w1', created.key);
    await conn.whenSynced();
    expect(conn.readOnly).toBe(false);
    conn.doc.upsertEvent(ceremony);
    await conn.whenAcknowledged();
    const refused = await t.connect('w2', created.key);
    await expect(refused.whenSynced(5000)).rejects.toMatchObject({ code: 'wedding_forbidden' });

    // Listed without the secret, with its last use; the stored hash is not the secret.
    const listed = (await (await ana.fetch(`/api/workspaces/${bloom.id}/api-keys`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(listed.keys).toHaveLength(1);
    expect(listed.keys[0]).not.toHaveProperty('key');
    expect(listed.keys[0]!.lastUsedAt).toEqual(expect.any(Number));
    expect(JSON.stringify(listed)).not.toContain(created.key.slice(-43));
    const hash = (await queryServerDatabase<{ secret_hash: Buffer }>(t.server, { sqlite: 'SELECT secret_hash FROM api_keys', postgres: 'SELECT secret_hash FROM api_keys' }))[0]!.secret_hash;
    expect(hash.length).toBe(32);

    // A raw socket on the key, to read its close.
    const raw = await t.rawSocket();
    const { closed } = record(raw);
    raw.send(syncStep1Frame('wedding:w1'));
    raw.send(authFrame('wedding:w1', created.key));
    await waitFor(() => t.server.collab.hocuspocus.getConnectionsCount() >= 2, 'the raw socket to open the wedding');

    expect((await ana.fetch(`/api/workspaces/${bloom.id}/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    const revoked = await t.fetch('/api/weddings', { token: created.key });
    expect(revoked.status).toBe(401);
    expect(((await revoked.json()) as ErrorBody).error.code).toBe('token_invalid');
    expect(await closed).toEqual({ code: 4401, reason: 'token_invalid' });
    await waitFor(() => conn.status === 'disconnected', 'the SDK connection on the revoked key to go offline');
    expect((await ana.fetch(`/api/workspaces/${bloom.id}/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('["*"] means every wedding of the key\'s workspace, resolved at each request, never every wedding of the server', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const bloom = await workspaceWith(t, ana, 'Bloom Planning', ['w1', 'w2']);
    const cara = await signedIn(t, 'cara@ivory.example', 'Cara');
    await workspaceWith(t, cara, 'Ivory Events', ['w3']);
    const lens = await signedIn(t, 'studio@lens.example', 'Lens');
    const photo = await workspaceWith(t, lens, 'Lens & Light', [], 'photographer');
    await t.server.people.addParticipant({ weddingId: 'w3', role: 'vendor', vendorId: 'lens', vendorWorkspaceId: photo.id });

    const all = await createKey(ana, bloom.id, { name: 'sync script', role: 'viewer', weddings: ['*'] });
    expect(all.weddings).toEqual(['*']);
    expect(await weddingsOf(t, all.key)).toEqual(['w1', 'w2']);
    await t.server.people.registerWedding({ id: 'w4', workspaceId: bloom.id, createdBy: ana.person.id });
    expect(await weddingsOf(t, all.key)).toEqual(['w1', 'w2', 'w4']);
    const principal = await t.server.tokens.verify(all.key);
    expect(principal).toMatchObject({ role: 'viewer', weddings: ['w1', 'w2', 'w4'], apiKeyId: all.id });
    expect(principal.weddings).not.toContain('*');
    const viewer = await t.connect('w4', all.key);
    await viewer.whenSynced();
    expect(viewer.readOnly).toBe(true);
    await expect((await t.connect('w3', all.key)).whenSynced(5000)).rejects.toMatchObject({ code: 'wedding_forbidden' });

    // A photographer's vendor key: the weddings it works on as that vendor, across planners, as a vendor.
    const vendorKey = await createKey(lens, photo.id, { name: 'gallery uploader', role: 'vendor', vendorId: 'lens', weddings: ['*'] });
    expect(await t.server.tokens.verify(vendorKey.key)).toMatchObject({ role: 'vendor', vendorId: 'lens', weddings: ['w3'] });
    // A role or vendor entry the workspace does not have there, or a wedding it does not work on: refused.
    for (const body of [
      { name: 'x', role: 'planner', weddings: ['w3'] },
      { name: 'x', role: 'vendor', vendorId: 'florist', weddings: ['w3'] },
      { name: 'x', role: 'viewer', weddings: ['w1'] },
    ]) {
      const res = await lens.fetch(`/api/workspaces/${photo.id}/api-keys`, { json: body });
      expect({ body, status: res.status, code: ((await res.json()) as ErrorBody).error.code }).toEqual({ body, status: 403, code: 'wedding_forbidden' });
    }
    // A planner-role "*" key on a vendor workspace opens nothing it is not the planner of.
    const planner = await createKey(lens, photo.id, { name: 'y', role: 'planner', weddings: ['*'] });
    expect(await weddingsOf(t, planner.key)).toEqual([]);
  });

  it('only workspace owners manage keys; bad bodies get 400; an expired key gets token_expired', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const ben = await signedIn(t, 'ben@bloom.example', 'Ben');
    const bloom = await workspaceWith(t, ana, 'Bloom Planning', ['w1']);
    await t.server.people.addMember(bloom.id, ben.person.id, 'member');
    const cara = await signedIn(t, 'cara@ivory.example', 'Cara');
    const ivory = await workspaceWith(t, cara, 'Ivory Events', ['w3']);

    for (const [who, path, method] of [
      [ben, `/api/workspaces/${bloom.id}/api-keys`, 'POST'], [ben, `/api/workspaces/${bloom.id}/api-keys`, 'GET'],
      [cara, `/api/workspaces/${bloom.id}/api-keys`, 'POST'], [ana, `/api/workspaces/${ivory.id}/api-keys`, 'GET'],
      [ana, '/api/workspaces/wks_doesnotexist000000/api-keys', 'GET'],
    ] as const) {
      const res = await who.fetch(path, method === 'POST' ? { json: { name: 'k', role: 'planner', weddings: ['w1'] } } : {});
      expect({ path, method, status: res.status, code: ((await res.json()) as ErrorBody).error.code }).toEqual({ path, method, status: 403, code: 'workspace_forbidden' });
    }
    expect((await t.fetch(`/api/workspaces/${bloom.id}/api-keys`)).status).toBe(401);
    expect((await ana.fetch(`/api/workspaces/${bloom.id}/api-keys`, { json: { name: 'k', role: 'planner', weddings: ['w1'] }, csrf: false })).status).toBe(403);
    for (const body of [
      { name: 'k', role: 'admin', weddings: ['w1'] },
      { name: 'k', role: 'vendor', weddings: ['w1'] },
      { name: 'k', role: 'planner', vendorId: 'photo', weddings: ['w1'] },
      { name: 'k', role: 'planner', weddings: ['*', 'w1'] },
      { name: 'k', role: 'planner', weddings: [] },
      { name: '', role: 'planner', weddings: ['w1'] },
    ]) {
      const res = await ana.fetch(`/api/workspaces/${bloom.id}/api-keys`, { json: body });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }

    const key = await createKey(ana, bloom.id, { name: 'k', role: 'adapter', weddings: ['w1'], expiresInDays: 1 });
    expect(await weddingsOf(t, key.key)).toEqual(['w1']);
    await queryServerDatabase(t.server, { sqlite: 'UPDATE api_keys SET expires_at = ? WHERE id = ?', postgres: 'UPDATE api_keys SET expires_at = $1 WHERE id = $2' }, [Date.now() - 1, key.id]);
    const expired = await t.fetch('/api/weddings', { token: key.key });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as ErrorBody).error.code).toBe('token_expired');
    // A wrong secret for a real id, and a malformed key.
    for (const bad of [`${key.key.slice(0, -1)}${key.key.endsWith('A') ? 'B' : 'A'}`, 'wsk_nonsense']) {
      const res = await t.fetch('/api/weddings', { token: bad });
      expect({ bad, status: res.status, code: ((await res.json()) as ErrorBody).error.code }).toEqual({ bad, status: 401, code: 'token_invalid' });
    }
  });
});
