import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/** A request to the API as if a proxy in front of the server had forwarded it for `client`. */
const via = (t: TestServer, client: string) => t.fetch('/api/auth/providers', { headers: { 'x-forwarded-for': client } });

async function statuses(t: TestServer, clients: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const c of clients) out.push((await via(t, c)).status);
  return out;
}

describe('the client address behind a reverse proxy (TRUST_PROXY)', () => {
  it('is the socket address unless the proxy is trusted: X-Forwarded-For from anyone else changes nothing', async () => {
    // Not set: every request counts against 127.0.0.1, whatever the header says.
    const plain = await startTestServer({ env: { RATE_LIMIT_PER_IP_PER_MIN: '3' } });
    expect(await statuses(plain, ['203.0.113.5', '203.0.113.6', '203.0.113.7', '203.0.113.8'])).toEqual([200, 200, 200, 429]);
    // Set, but the request does not come from a trusted proxy: the header is ignored too.
    const elsewhere = await startTestServer({ env: { RATE_LIMIT_PER_IP_PER_MIN: '3', TRUST_PROXY: '10.0.0.0/8' } });
    expect(await statuses(elsewhere, ['203.0.113.5', '203.0.113.6', '203.0.113.7', '203.0.113.8'])).toEqual([200, 200, 200, 429]);
  });

  it('behind a trusted proxy, each forwarded client has its own budget; a forged hop before the proxy does not choose the address', async () => {
    const t = await startTestServer({ env: { RATE_LIMIT_PER_IP_PER_MIN: '3', TRUST_PROXY: 'loopback' } });
    expect(await statuses(t, ['203.0.113.5', '203.0.113.5', '203.0.113.5', '203.0.113.5'])).toEqual([200, 200, 200, 429]);
    // Another client behind the same proxy is not refused for the first one's requests.
    expect(await statuses(t, ['198.51.100.9'])).toEqual([200]);
    // The client put an address of its own in front: the proxy appended the real one, which counts.
    expect(await statuses(t, ['192.0.2.1, 203.0.113.5'])).toEqual([429]);
    // Through two trusted proxies (both loopback here): the nearest untrusted address is the client.
    expect(await statuses(t, ['198.51.100.9, 127.0.0.1'])).toEqual([200]);
  });

  it('refuses a TRUST_PROXY that names no address, range or proxy-addr name, saying which entry', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'loopback, not-an-address' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'loopback, not-an-address' })).toThrow(/TRUST_PROXY.*not-an-address/);
    expect(loadConfig({ TRUST_PROXY: ' 10.0.0.0/8, loopback ,uniquelocal' }).TRUST_PROXY).toBe(' 10.0.0.0/8, loopback ,uniquelocal');
  });
});
