import { describe, expect, it } from 'vitest';
import type { ConnectionResult } from '../../schema/index.ts';
import { startSandboxes } from '../calendar/helpers.ts';
import { api, STORY_WEDDINGS, studio } from '../connections/helpers.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Who may manage a connection (issue 10 item 2, issue 12): a workspace's connection is its
 * workspace's, whatever weddings it serves; and a connection acts with the rights of whoever
 * connected it, so nobody with fewer rights may change where it reads from or hand out its secret URL.
 */
describe('managing a connection', () => {
  it("a wedding's planner cannot read, change, rotate, audit or remove the vendor workspace's connection bound to it, and can still unbind the wedding", async () => {
    const s = await startSandboxes();
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '600000', CONSISTENCY_AUDIT_INTERVAL_MS: '0' } });
    const [ana] = STORY_WEDDINGS;
    const { pat, alex, lens } = await studio(t, [ana]);
    const vendor = await alex.accessToken(ana.id);
    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', vendor, { json: {
      workspaceId: lens.id, system: 'google-calendar', label: 'Studio calendar',
      credentials: { refreshToken: s.google.issueRefreshToken('c', 's'), clientId: 'c', clientSecret: 's' },
      configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl },
    } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.connectionId;
    expect((await api(t, `/api/connections/${id}/bindings`, vendor, { json: { weddingId: ana.id, configuration: { vendorId: 'photo' } } })).status).toBe(201);

    const planner = await pat.accessToken(ana.id);
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/connections/${id}`],
      ['GET', `/api/connections/${id}/audit`],
      ['PATCH', `/api/connections/${id}`, { label: 'Mine now' }],
      ['POST', `/api/connections/${id}/rotate-url-token`, {}],
      ['POST', `/api/connections/${id}/rotate-webhook-secret`, {}],
      ['GET', `/api/integrations/${id}/consistency`],
      ['POST', `/api/integrations/${id}/consistency`, {}],
      ['DELETE', `/api/connections/${id}`],
    ];
    for (const [method, path, json] of attempts) {
      const res = await api<{ error: { code: string } }>(t, path, planner, { method, ...(json !== undefined ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(res.body), `${method} ${path}`).not.toContain('Studio calendar');
    }
    // Untouched: still Lens's, still labelled as Lens named it.
    const own = await api<{ label?: string; bindings: unknown[] }>(t, `/api/connections/${id}`, vendor);
    expect(own.status).toBe(200);
    expect(own.body.label).toBe('Studio calendar');
    // The planner's own wedding is still theirs to take off the connection.
    expect((await api(t, `/api/connections/${id}/bindings/${ana.id}`, planner, { method: 'DELETE' })).status).toBe(200);
  });

  it("a vendor cannot rotate the secret URL or signing secret, or change the settings of an integration a planner connected for them; the planner can", async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1'], { sub: 'pat' });
    const seed = await t.connect('w1', planner);
    await seed.whenSynced();
    seed.doc.setMeta({ title: 'Ana & Ben', timezone: 'Europe/London', date: '2027-06-12' });
    seed.doc.upsertVendor({ id: 'photo', name: 'Lens & Light', category: 'photographer', status: 'booked' });
    await seed.whenAcknowledged();
    const made = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', planner, { json: { weddingId: 'w1', system: 'webhooks', vendorId: 'photo', configuration: { direction: 'inbound' } } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const vendor = await t.token('vendor', ['w1'], { sub: 'alex', vendorId: 'photo' });

    const rotated = await api<{ error: { code: string }; secretUrl?: string }>(t, `/api/connections/${made.body.connectionId}/rotate-url-token`, vendor, { method: 'POST' });
    expect(rotated.status).toBe(403);
    expect(rotated.body.error.code).toBe('role_forbidden');
    expect(rotated.body.secretUrl).toBeUndefined();
    const signing = await api<{ error: { code: string }; webhookSecret?: string }>(t, `/api/connections/${made.body.connectionId}/rotate-webhook-secret`, vendor, { method: 'POST' });
    expect([signing.status, signing.body.error.code, signing.body.webhookSecret]).toEqual([403, 'role_forbidden', undefined]);
    const patched = await api<{ error: { code: string } }>(t, `/api/integrations/${made.body.connectionId}`, vendor, { method: 'PATCH', json: { configuration: { direction: 'both' } } });
    expect(patched.status).toBe(403);
    // The URL the planner was given still works, and writes what it may.
    const post = (url: string, title: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'meta.updated', timestamp: new Date().toISOString(), data: { title } }) });
    expect((await post(made.body.secretUrl!, 'Ana & Ben, at Kew')).status).toBe(200);
    await waitFor(() => seed.doc.getMeta().title === 'Ana & Ben, at Kew', 'the planner\'s URL still writing');
    // The planner who connected it can rotate it.
    const mine = await api<{ secretUrl: string }>(t, `/api/connections/${made.body.connectionId}/rotate-url-token`, planner, { method: 'POST' });
    expect(mine.status).toBe(200);
    expect(mine.body.secretUrl).not.toBe(made.body.secretUrl);
  });
});
