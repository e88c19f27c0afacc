import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { ROLES } from '../../schema/index.ts';
import { createTokenService } from '../../server/auth/tokens.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer, TEST_SECRET } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/** Signs claims the way an attacker holding an old or hand-made token would: bypassing our own `sign`. */
async function forge(claims: Record<string, unknown>, ttl = 3600) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('x').setIssuer('wedsync-hub').setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl).sign(new TextEncoder().encode(TEST_SECRET));
}

describe('token scope and lifetime', () => {
  it('"*" opens every wedding for admins only: other roles can neither be issued nor use it', async () => {
    const t = await startTestServer();
    const service = createTokenService(TEST_SECRET);
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      await expect(service.sign({ sub: 'x', role, weddings: ['*'] }, 60)).rejects.toThrow(/admin/);
      const forged = await forge({ role, weddings: ['*'] });
      const res = await t.fetch('/api/integrations/wedding/w1/audit', { token: forged });
      expect({ role, status: res.status }).toEqual({ role, status: 401 });
      await expect(service.verify(forged)).rejects.toMatchObject({ code: 'token_invalid' });
    }
    const admin = await t.token('admin', ['*']);
    expect((await t.fetch('/api/integrations/wedding/w1/audit', { token: admin })).status).toBe(200);
  });

  it('closes a socket with 4401 when its token expires, and nothing written after that is stored', async () => {
    const t = await startTestServer();
    const seed = await t.connect('w1', await t.token('planner', ['w1']));
    await seed.whenSynced();
    const shortLived = await t.token('planner', ['w1'], { sub: 'short', ttl: 2 });
    const socket = new HocuspocusProviderWebsocket({ url: t.wsUrl, WebSocketPolyfill: WebSocket });
    const closes: number[] = [];
    socket.on('close', ({ event }: { event: { code: number } }) => closes.push(event.code));
    const doc = new Y.Doc();
    const provider = new HocuspocusProvider({ websocketProvider: socket, name: 'wedding:w1', document: doc, token: shortLived });
    const refusals: string[] = [];
    provider.on('authenticationFailed', ({ reason }: { reason: string }) => refusals.push(reason));
    provider.attach();
    registerTeardown(() => { provider.destroy(); socket.destroy(); });
    await waitFor(() => provider.isSynced, 'the short-lived provider to sync');
    doc.getMap('meta').set('title', 'before expiry');
    await waitFor(() => seed.doc.ydoc.getMap('meta').get('title') === 'before expiry', 'the edit made before expiry');
    await waitFor(() => closes.includes(4401), 'the server to close the socket at expiry', 6000);
    // The provider reconnects with the same, expired token: that is refused, and the edit with it.
    doc.getMap('meta').set('title', 'after expiry');
    await waitFor(() => refusals.includes('token_expired'), 'the reconnect with the expired token to be refused');
    expect(seed.doc.ydoc.getMap('meta').get('title')).toBe('before expiry');
  });

  it('renews a token silently before it expires when the client has a token function: no disconnect, edits keep arriving', async () => {
    const t = await startTestServer();
    const seed = await t.connect('w1', await t.token('planner', ['w1']));
    await seed.whenSynced();
    let issued = 0;
    const client = await t.connect('w1', async () => { issued++; return t.token('planner', ['w1'], { sub: 'renewing', ttl: 3 }); });
    await client.whenSynced();
    const statuses: string[] = [];
    client.onStatus((s) => statuses.push(s));
    await waitFor(() => issued >= 3, 'two renewals (each token lives 3 s, renewed half-way)', 10_000);
    client.doc.ydoc.getMap('meta').set('title', 'after the first token expired');
    await client.whenAcknowledged();
    expect(seed.doc.ydoc.getMap('meta').get('title')).toBe('after the first token expired');
    expect(statuses).toEqual([]);
  });
});
