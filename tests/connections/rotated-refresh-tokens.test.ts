import path from 'node:path';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { connect, googleConnection, outlookConnection, startSandboxes, type CalendarSandboxes } from '../calendar/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { serverSql } from '../helpers/test-backend.ts';

/**
 * A provider that rotates refresh tokens (Microsoft on every refresh; Google for some clients;
 * RFC 6749 §6) is answered with the new token kept, sealed on the connection: the sandboxes here
 * revoke the replaced token at once, so a server that kept the old one is refused with
 * invalid_grant after a restart and the connection needs attention.
 */

/** The refresh token sealed on the connection, opened with the server's key (CREDENTIALS_KEY, or the one in DATA_DIR). */
async function storedRefreshToken(t: TestServer, connectionId: string): Promise<string> {
  const sealed = await serverSql(t.server).value<string>('SELECT credentials_enc FROM connections WHERE id = ?', connectionId);
  const keyText = t.server.config.CREDENTIALS_KEY ?? fs.readFileSync(path.join(t.dataDir, 'credentials-key'), 'utf8');
  const key = Buffer.from(keyText.trim(), 'base64');
  return (JSON.parse(createCredentialCipher(key).decrypt(sealed!, connectionId)) as { refreshToken: string }).refreshToken;
}

const event = (id: string) => ({ id, title: id, start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T15:00:00+01:00' });

async function pushTimeline(t: TestServer, id: string): Promise<void> {
  const res = await t.fetch('/api/integrations/wedding/w1/timeline-sync', {
    method: 'POST', token: await t.token('planner', ['w1']), headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ timeline: [event(id)], waitMs: 0 }),
  });
  expect(res.status).toBe(200);
}

const systems = [
  {
    name: 'outlook',
    strict: (s: CalendarSandboxes) => { s.graph.revokeRotatedRefreshTokens = true; },
    body: (s: CalendarSandboxes) => outlookConnection(s, 'w1'),
    has: (s: CalendarSandboxes, title: string) => s.graph.events(s.graphUser).some((e) => e.subject === title),
  },
  {
    name: 'google-calendar',
    strict: (s: CalendarSandboxes) => { s.google.identity.rotateRefreshTokens = true; },
    // No access token: the connection test's first call refreshes (and rotates) at once.
    body: (s: CalendarSandboxes) => googleConnection(s, 'w1'),
    has: (s: CalendarSandboxes, title: string) => s.google.events(s.googleCalendarId).some((e) => e.summary === title),
  },
];

describe('rotated refresh tokens are kept', () => {
  for (const sys of systems) {
    it(`${sys.name}: the token the provider rotated to is stored sealed, and a restarted server still reaches the calendar`, async () => {
      const s = await startSandboxes();
      sys.strict(s);
      const t = await startTestServer();
      const body = sys.body(s);
      const given = (body.credentials as { refreshToken: string }).refreshToken;
      const { connectionId } = await connect(t, await t.token('planner', ['w1']), body);
      await pushTimeline(t, 'before-restart');
      await waitFor(() => sys.has(s, 'before-restart'), 'push before the restart');
      const stored = await storedRefreshToken(t, connectionId);
      expect(stored).not.toBe(given);
      await t.close();

      const again = await startTestServer({ dataDir: t.dataDir });
      try {
        await pushTimeline(again, 'after-restart');
        await waitFor(() => sys.has(s, 'after-restart'), 'push after the restart', 20_000);
        const status = await again.fetch('/api/integrations/status/w1', { token: await again.token('planner', ['w1']) });
        expect(JSON.stringify(await status.json())).not.toMatch(/needs_attention|invalid_grant/);
      } finally {
        await again.close();
      }
    });
  }
});
