import { describe, expect, it } from 'vitest';
import type { ConnectionResult, ConnectionSummary } from '../../schema/index.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';
import { GOOGLE_CLIENT, consentAt, oauthEnv } from './oauth-helpers.ts';

// "Reconnect Google" (issue 14 item 2): an OAuth flow started with `connectionId` renews that
// connection's credentials, so its bindings stay and a connection that needs attention works again.
describe('OAuth reconnect of an existing connection', () => {
  it('renews a revoked Google connection in place, its binding kept; someone of another business cannot renew it', async () => {
    const s = await startSandboxes();
    const msApp = s.graph.registerApp('contoso');
    const t = await startTestServer({ env: { ...oauthEnv(s.google, { authorizeUrl: s.graph.authorizeUrl(), tokenUrl: s.graph.tokenUrl(), ...msApp }), PULL_INTERVAL_MS: '300', CASCADE_DELAY_MS: '0' } });
    const redirect = `${t.httpUrl}/api/connections/oauth/google/callback`;
    s.google.registerOAuthClient(GOOGLE_CLIENT.id, GOOGLE_CLIENT.secret, [redirect]);
    const ana = STORY_WEDDINGS[0];
    const { alex, lens } = await studio(t, [ana]);
    const token = await alex.accessToken(ana.id);
    const refreshToken = s.google.issueRefreshToken('wedsync-client', 'wedsync-secret');
    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'google-calendar', credentials: { refreshToken, clientId: 'wedsync-client', clientSecret: 'wedsync-secret' },
      configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, watch: false },
      bindings: [{ weddingId: ana.id, vendorId: 'photo' }],
    } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const { connectionId } = made.body;
    const summary = async () => (await api<ConnectionSummary>(t, `/api/connections/${connectionId}`, token)).body;
    s.google.revokeRefreshToken(refreshToken);
    await waitFor(async () => (await summary()).status === 'needs_attention', 'needs attention');

    const reconnect = async (as: string, body: Record<string, unknown>) => {
      const start = await api<{ authorizationUrl: string }>(t, '/api/connections/oauth/google/start', as, { json: { system: 'google-calendar', workspaceId: lens.id, connectionId, ...body } });
      expect(start.status, JSON.stringify(start.body)).toBe(200);
      const callback = await consentAt(start.body.authorizationUrl);
      const res = await fetch(callback, { headers: { accept: 'application/json' } });
      return { status: res.status, body: await res.json() as { integrationId?: string; error?: { code: string } } };
    };

    // Someone of another business cannot renew it (told nothing of it).
    const bea = await signedIn(t, 'bea@other.example', 'Bea');
    const other = await workspaceWith(t, bea, 'Other Studio', ['w-other']);
    const beaStart = await api<{ authorizationUrl: string }>(t, '/api/connections/oauth/google/start', await bea.accessToken('w-other'), { json: { system: 'google-calendar', workspaceId: other.id, connectionId } });
    expect(beaStart.status).toBe(200);
    const beaCallback = await fetch(await consentAt(beaStart.body.authorizationUrl), { headers: { accept: 'application/json' } });
    expect(beaCallback.status).toBe(404);
    expect(((await beaCallback.json()) as { error: { code: string } }).error.code).toBe('connection_not_found');
    expect((await summary()).status).toBe('needs_attention');

    // The owner's consent renews it in place: one connection, the same binding, active, pulling again.
    const renewed = await reconnect(token, {});
    expect(renewed.status, JSON.stringify(renewed.body)).toBe(200);
    expect(renewed.body.integrationId).toBe(connectionId);
    const listed = await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${lens.id}/connections`, token);
    expect(listed.body.connections.map((c) => [c.connectionId, c.status, c.bindings.map((b) => b.weddingId)])).toEqual([[connectionId, 'active', [ana.id]]]);
    const since = Date.now();
    await waitFor(async () => Date.parse((await summary()).health.lastSync ?? '0') >= since, 'pulls resumed');
  });
});
