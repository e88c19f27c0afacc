import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DestinationForbiddenError, destinationForbidden, errorForStatus, networkError } from '../../adapters/core/index.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { createGuardedEgress, type Resolver } from '../../server/net/guarded-egress.ts';
import { addressRange, createOutboundPolicy, parseOutboundAllow } from '../../server/net/outbound-policy.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startInternalHttp } from './ssrf-helpers.ts';

const policy = (allow = '') => createOutboundPolicy(parseOutboundAllow(allow));
const egressWith = (allow = '', resolve?: Resolver) => {
  const egress = createGuardedEgress(policy(allow), { resolve });
  registerTeardown(() => egress.close());
  return egress;
};

const lookup = (egress: ReturnType<typeof egressWith>, host: string) =>
  new Promise<{ error: unknown; address?: string }>((resolve) => {
    egress.lookup(host, { all: false }, (error: unknown, address?: unknown) => resolve({ error, address: address as string | undefined }));
  });

const get = (agent: http.Agent, url: string) =>
  new Promise<{ status?: number; error?: unknown }>((resolve) => {
    http.get(url, { agent }, (res) => { res.resume(); resolve({ status: res.statusCode }); }).on('error', (error) => resolve({ error }));
  });

describe('outbound policy (ipaddr.js ranges and the operator allow-list)', () => {
  it('allows global unicast and refuses every special range', () => {
    const p = policy();
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '1.1.1.1']) expect(() => p.check('example.com', address)).not.toThrow();
    const refused: Record<string, string> = {
      '127.0.0.1': 'loopback', '127.255.255.254': 'loopback', '::1': 'loopback', '0.0.0.0': 'unspecified', '::': 'unspecified',
      '10.0.0.1': 'private', '172.16.0.1': 'private', '172.31.255.255': 'private', '192.168.0.1': 'private',
      '169.254.169.254': 'linkLocal', 'fe80::1': 'linkLocal', 'fc00::1': 'uniqueLocal', 'fd00:ec2::254': 'uniqueLocal',
      '100.64.0.1': 'carrierGradeNat', '224.0.0.251': 'multicast', 'ff02::1': 'multicast', '255.255.255.255': 'broadcast',
      '::ffff:127.0.0.1': 'ipv4Mapped', '::ffff:8.8.8.8': 'ipv4Mapped', '64:ff9b::7f00:1': 'rfc6052', '2002:7f00:1::': '6to4',
    };
    for (const [address, range] of Object.entries(refused)) {
      expect(addressRange(address), address).toBe(range);
      expect(() => p.check(address, address), address).toThrow(DestinationForbiddenError);
    }
  });

  it('lets CIDR ranges, addresses and host names through when the operator lists them', () => {
    const p = policy('10.20.0.0/16, ::1, 127.0.0.1, crm.internal');
    expect(() => p.check('10.20.3.4', '10.20.3.4')).not.toThrow();
    expect(() => p.check('10.21.0.1', '10.21.0.1')).toThrow(/private/);
    expect(() => p.check('::1', '::1')).not.toThrow();
    expect(() => p.check('::ffff:127.0.0.1', '::ffff:127.0.0.1')).not.toThrow(); // the same IPv4 destination
    expect(() => p.check('127.0.0.2', '127.0.0.2')).toThrow(/loopback/);
    expect(() => p.check('CRM.internal', '10.99.0.1')).not.toThrow();
    expect(() => p.check('other.internal', '10.99.0.1')).toThrow(DestinationForbiddenError);
  });

  it('refuses an unreadable OUTBOUND_ALLOW at start-up, naming each bad entry', () => {
    expect(() => parseOutboundAllow('10.0.0.0/33, ::1, not a host, 300.1.1.1/8')).toThrow(/"10\.0\.0\.0\/33".*"not a host".*"300\.1\.1\.1\/8"/);
    expect(() => loadConfig({ OUTBOUND_ALLOW: '10.0.0.0/99' })).toThrow(ConfigError);
    expect(loadConfig({}).OUTBOUND_ALLOW).toBeUndefined();
  });
});

describe('guarded egress (checked where each connection is opened)', () => {
  it('resolves names through the resolver and checks every address it returns', async () => {
    const resolve: Resolver = async (host) => ({
      'api.partner.example': [{ address: '93.184.216.34', family: 4 }],
      'rebind.example': [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }],
      'meta.example': [{ address: '169.254.169.254', family: 4 }],
    } as Record<string, { address: string; family: number }[]>)[host] ?? [];
    const egress = egressWith('', resolve);
    expect(await lookup(egress, 'api.partner.example')).toEqual({ error: null, address: '93.184.216.34' });
    expect(destinationForbidden((await lookup(egress, 'rebind.example')).error)?.range).toBe('loopback');
    expect(destinationForbidden((await lookup(egress, 'meta.example')).error)?.range).toBe('linkLocal');
    expect(destinationForbidden((await lookup(egress, '10.0.0.1')).error)?.range).toBe('private');
    expect(((await lookup(egress, 'nowhere.example')).error as { code?: string }).code).toBe('ENOTFOUND');
  });

  it('refuses node:http connections to forbidden literals and names, and follows nothing it did not check', async () => {
    const internal = await startInternalHttp(() => 200);
    const egress = egressWith();
    for (const url of [`http://127.0.0.1:${internal.port}/`, `http://[::1]:${internal.port}/`, `http://localhost:${internal.port}/`, `http://127.0.0.2:${internal.port}/`]) {
      const res = await get(egress.httpAgent, url);
      expect(destinationForbidden(res.error), url).toBeInstanceOf(DestinationForbiddenError);
    }
    expect(internal.hits()).toBe(0);
    const allowed = egressWith('127.0.0.1');
    expect(await get(allowed.httpAgent, `http://127.0.0.1:${internal.port}/`)).toEqual({ status: 200 });
    expect(destinationForbidden((await get(allowed.httpAgent, `http://127.0.0.2:${internal.port}/`)).error)).not.toBeNull();
    expect(internal.hits()).toBe(1);
  });

  it('checks each redirect hop of fetch, including one to another port or address of an allowed host', async () => {
    const internal = await startInternalHttp(() => 200);
    const redirector = http.createServer((req, res) => res.writeHead(302, { location: `http://127.0.0.2:${internal.port}/admin-secret` }).end());
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    registerTeardown(() => new Promise<void>((r) => { redirector.closeAllConnections(); redirector.close(() => r()); }));
    const egress = egressWith('127.0.0.1');
    const error = await egress.fetch(`http://127.0.0.1:${(redirector.address() as AddressInfo).port}/`).then(() => null, (e: unknown) => e);
    expect(destinationForbidden(error)?.address).toBe('127.0.0.2');
    expect(internal.hits()).toBe(0);
  });

  it('sends a POST whose caller set Content-Length itself (stripe-node does) to an allowed host', async () => {
    let received = '';
    const server = http.createServer((req, res) => { req.setEncoding('utf8'); req.on('data', (c: string) => { received += c; }); req.on('end', () => res.end('ok')); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    registerTeardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const egress = egressWith('127.0.0.1');
    const res = await egress.fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/charges`, { method: 'POST', body: 'amount=100', headers: { 'Content-Length': '10', 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    expect(received).toBe('amount=100');
  });

  it('sends a URL\'s userinfo as HTTP Basic credentials (fetch refuses such URLs itself), and keeps a caller\'s own Authorization', async () => {
    const seen: { url?: string; auth?: string }[] = [];
    const server = http.createServer((req, res) => { seen.push({ url: req.url, auth: req.headers.authorization }); res.end('ok'); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    registerTeardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const egress = egressWith('127.0.0.1');
    const port = (server.address() as AddressInfo).port;
    expect((await egress.fetch(`http://ana%40studio:p%3Ass@127.0.0.1:${port}/hook?x=1`, { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await egress.fetch(`http://ana:pw@127.0.0.1:${port}/dav/`, { headers: { authorization: 'Bearer t' } })).status).toBe(200);
    expect(seen).toEqual([
      { url: '/hook?x=1', auth: `Basic ${Buffer.from('ana@studio:p:ss').toString('base64')}` },
      { url: '/dav/', auth: 'Bearer t' },
    ]);
  });

  it('refuses raw sockets (SMTP) to forbidden hosts through the socket\'s error event', async () => {
    const egress = egressWith();
    for (const host of ['127.0.0.1', '::1', 'localhost', '10.0.0.5']) {
      const error = await new Promise((resolve) => egress.connect({ host, port: 25 }, () => resolve(null)).once('error', resolve));
      expect(destinationForbidden(error), host).not.toBeNull();
    }
  });

  it('reports a refusal and an HTTP failure in words of its own, never the answer', () => {
    const refused = networkError('caldav', new TypeError('fetch failed', { cause: new DestinationForbiddenError('localhost', '127.0.0.1', 'loopback') }));
    expect(refused.code).toBe('destination_forbidden');
    expect(refused.retryable).toBe(false);
    expect(refused.message).toBe('caldav: outbound connection to localhost (127.0.0.1) refused: loopback addresses are not allowed (the operator can allow them with OUTBOUND_ALLOW)');
    expect(errorForStatus('webhook subscriber', 500).message).toBe('webhook subscriber error 500');
    expect(errorForStatus('Stripe', 401).message).toBe('Stripe refused our credentials (401)');
  });
});
