import { describe, expect, it } from 'vitest';
import { startVscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import type { ConnectionResult, ConnectionSummary, StatusBody } from '../../schema/index.ts';
import { seedWedding } from '../comms/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api } from './helpers.ts';

describe('a wedding’s integration status for a business connection', () => {
  it('reads the connection’s pulls as the binding’s syncs, as the Connections page does', async () => {
    const t = await startTestServer({ env: { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '300' } });
    const sb = await startVscoSandbox();
    registerTeardown(() => sb.stop());
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    const lens = await workspaceWith(t, alex, 'Lens & Light', ['w-ana'], 'photographer');
    const token = await alex.accessToken('w-ana');
    await seedWedding(t, token, 'w-ana', { meta: { title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London' } });
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'vsco-workspace', credentials: { apiKey: sb.apiKey },
      configuration: { apiBaseUrl: sb.url, vendorId: 'photo', timeZone: 'Europe/London' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const bound = await api(t, `/api/connections/${connected.body.connectionId}/bindings`, token, { json: { weddingId: 'w-ana' } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);

    const summary = async () => (await api<ConnectionSummary>(t, `/api/connections/${connected.body.connectionId}`, token)).body;
    const status = async () => (await api<StatusBody>(t, '/api/integrations/status/w-ana', token)).body;
    await waitFor(async () => (await summary()).health.lastSync !== null, 'a first pull of the connection');
    const before = await status();
    const row = before.integrationStatus.find((i) => i.system === 'vsco-workspace')!;
    expect(row.lastSync).not.toBeNull();
    expect(row.lastSuccess).not.toBeNull();
    expect(before.lastSync).not.toBeNull();
    expect(Date.parse(row.lastSync!)).toBeLessThanOrEqual(Date.parse((await summary()).health.lastSync!));
    // Later pulls move both together.
    const seen = Date.parse(row.lastSync!);
    await waitFor(async () => Date.parse((await status()).integrationStatus[0]!.lastSync ?? '0') > seen, 'a later pull seen by the wedding');
  });
});
