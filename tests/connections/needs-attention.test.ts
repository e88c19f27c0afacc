import { describe, expect, it } from 'vitest';
import type { ConnectionResult, ConnectionSummary } from '../../schema/index.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { seedWedding } from '../comms/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { queryServerDatabase } from '../helpers/test-backend.ts';

// Revoked consent (OAuth invalid_grant) marks the connection "needs attention", tells its owner, and
// is never retried forever; new credentials make it active again (issue 12, item 4).

describe('a connection whose credentials are refused', () => {
  it('needs attention: health says so in plain words, pulls stop, pushes are not retried, the audit names the owner; reconnecting heals it', async () => {
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '300' } });
    const s = await startSandboxes();
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    const lens = await workspaceWith(t, alex, 'Lens & Light', ['w-lens'], 'photographer');
    const token = await alex.accessToken('w-lens');
    await seedWedding(t, token, 'w-lens', { meta: { title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London' } });
    const clientId = 'wedsync-client';
    const clientSecret = 'wedsync-secret';
    const refreshToken = s.google.issueRefreshToken(clientId, clientSecret);
    const res = await t.fetch('/api/integrations/vendor/connect', {
      method: 'POST', token, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        workspaceId: lens.id, system: 'google-calendar', credentials: { refreshToken, clientId, clientSecret },
        configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, watch: false },
        bindings: [{ weddingId: 'w-lens' }],
      }),
    });
    expect(res.status).toBe(201);
    const { connectionId } = await res.json() as ConnectionResult;
    const summary = async () => (await (await t.fetch(`/api/connections/${connectionId}`, { token })).json()) as ConnectionSummary;
    await waitFor(async () => (await summary()).health.lastSync !== null, 'a first pull');
    expect((await summary()).health.state).toBe('healthy');

    // The person revokes WedSync's access in their Google account.
    expect(s.google.revokeRefreshToken(refreshToken)).toBe(true);
    // The access token in hand stops working with it: the next pull must refresh, and Google says invalid_grant.
    await waitFor(async () => (await summary()).status === 'needs_attention', 'the connection marked needs_attention');
    const marked = await summary();
    expect(marked.health.state).toBe('needs_attention');
    expect(marked.health.attention).toMatch(/reconnect/i);
    const audit = await (await t.fetch('/api/integrations/wedding/w-lens/audit', { token })).json() as { entries: { action: string; detail: Record<string, unknown> }[] };
    expect(audit.entries.find((e) => e.action === 'connection.needs_attention')?.detail).toMatchObject({ system: 'google-calendar', owner: alex.person.id });

    // A push refused the same way is dead at once (one attempt), not retried.
    const c = await t.connect('w-lens', token);
    await c.whenSynced();
    c.doc.upsertEvent({ id: 'portraits', title: 'Couple portraits', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T16:00:00+01:00', category: 'photos' });
    await c.whenAcknowledged();
    const push = async () => (await queryServerDatabase<{ status: string; attempts: number }>(t.server, { sqlite: "SELECT status, attempts FROM outbox WHERE entity_id = 'portraits'", postgres: "SELECT status, attempts FROM outbox WHERE entity_id = 'portraits'" }))[0];
    await waitFor(push, 'the push planned');
    await waitFor(async () => (await push())?.status === 'dead', 'the push dead-lettered');
    expect((await push())?.attempts).toBe(1);

    // Never retried forever: no further token requests while it needs attention.
    const tokenCalls = () => s.google.requests.filter((r) => r.path === '/token').length;
    const before = tokenCalls();
    await new Promise((r) => setTimeout(r, 1500)); // five pull intervals: a pull that ran would ask for a token
    expect(tokenCalls()).toBe(before);

    // Reconnecting (new credentials) makes it active, and it pulls again.
    const renewed = await t.fetch(`/api/connections/${connectionId}`, {
      method: 'PATCH', token, headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credentials: { refreshToken: s.google.issueRefreshToken(clientId, clientSecret), clientId, clientSecret } }),
    });
    expect(renewed.status).toBe(200);
    expect(((await renewed.json()) as ConnectionSummary).status).toBe('active');
    await waitFor(() => tokenCalls() > before, 'pulls resumed');
  });
});
