import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

type Refusal = { error: { code: string; message: string; details?: { issues: { path: string; message: string }[] } } };

// A connect form shows each refusal at its field (issue 14 item 2): an invalid credential or
// configuration value is answered with `details.issues`, each path naming `credentials.<field>` or
// `configuration.<field>` as the catalogue's form description does (adapters/catalog-forms.ts).
describe('connect refusals name their fields', () => {
  it('credentials and configuration problems of any adapter come back as details.issues with the form’s paths; nothing is connected', async () => {
    const t = await startTestServer({ env: { PULL_INTERVAL_MS: '600000' } });
    const { alex, lens } = await studio(t, [STORY_WEDDINGS[0]]);
    const token = await alex.accessToken(STORY_WEDDINGS[0].id);
    const connect = (system: string, credentials: Record<string, unknown>, configuration: Record<string, unknown> = {}) =>
      api<Refusal>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: lens.id, system, credentials, configuration } });

    const cases: [string, Record<string, unknown>, Record<string, unknown>, string[]][] = [
      ['calendly', { accessToken: 'short' }, {}, ['credentials.accessToken']],
      ['calendly', {}, {}, ['credentials.accessToken']],
      ['stripe', { secretKey: 'not-a-key' }, {}, ['credentials.secretKey']],
      ['event-temple', { apiKey: 'k'.repeat(20) }, { apiBase: 'not a url' }, ['configuration.apiBase']],
      // A key the system does not have is named itself (zod reports it at the object).
      ['event-temple', { apiKey: 'k'.repeat(20) }, { apiBaseUrl: 'https://x.example' }, ['configuration.apiBaseUrl']],
      ['calendly', { accessToken: 'a'.repeat(20) }, { scope: 'everyone', pastDays: -1 }, ['configuration.scope', 'configuration.pastDays']],
      ['preset', {}, { preset: 'no-such-system' }, ['configuration.preset']],
    ];
    for (const [system, credentials, configuration, paths] of cases) {
      const res = await connect(system, credentials, configuration);
      expect(res.status, `${system} ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.code).toBe('invalid_config');
      expect(res.body.error.details?.issues.map((i) => i.path).sort(), `${system} ${JSON.stringify(res.body)}`).toEqual(paths.sort());
      for (const issue of res.body.error.details!.issues) expect(issue.message.length).toBeGreaterThan(0);
    }
    const listed = await api<{ connections: unknown[] }>(t, `/api/workspaces/${lens.id}/connections`, token);
    expect(listed.body.connections).toEqual([]);
  });

  it('GET /api/integrations/outbox/:id answers 404 outbox_not_found for an entry that does not exist, and 400 for a non-numeric id', async () => {
    const t = await startTestServer();
    const token = await t.token('planner', ['w1']);
    const missing = await api<Refusal>(t, '/api/integrations/outbox/999999', token);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('outbox_not_found');
    const bad = await api<Refusal>(t, '/api/integrations/outbox/abc', token);
    expect(bad.status).toBe(400);
  });
});
