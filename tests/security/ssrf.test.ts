import { describe, expect, it } from 'vitest';
import type { AdapterRuntime, MessagingAdapter, OutboundMessage } from '../../adapters/core/index.ts';
import { teamsAdapter } from '../../adapters/teams/index.ts';
import { createGuardedEgress } from '../../server/net/guarded-egress.ts';
import { createOutboundPolicy, parseOutboundAllow } from '../../server/net/outbound-policy.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { waitFor } from '../helpers/wait.ts';
import { startReceiver } from '../bridge/helpers.ts';
import {
  SECRET_MARKER, connect, connectBodies, startInternalHttp, startInternalSmtp, startRedirector, storedText, systemOf,
} from './ssrf-helpers.ts';

// The product default: OUTBOUND_ALLOW unset (test servers otherwise allow loopback for the sandboxes).
const DEFAULT_POLICY = { OUTBOUND_ALLOW: '' };

describe('outbound requests go only where they should (SSRF)', () => {
  it('refuses a planner\'s universal-adapter URL on 127.0.0.1 with a typed error, without calling it or quoting it', async () => {
    const internal = await startInternalHttp();
    const t = await startTestServer({ env: DEFAULT_POLICY });
    const planner = await t.token('planner', ['w1']);
    const res = await connect(t, planner, 'webhooks', { credentials: {}, configuration: { url: `http://127.0.0.1:${internal.port}/admin-secret` } });
    expect(res.status).toBe(400);
    expect(res.body.error!.code).toBe('destination_forbidden');
    expect(res.body.error!.message).toMatch(/127\.0\.0\.1.*loopback/);
    expect(res.text).not.toContain('db_password');
    expect(internal.hits()).toBe(0);
    expect(await serverSql(t.server).value('SELECT count(*) FROM integrations')).toBe(0);
    // The refusal is audited, with the code and without anything the page holds.
    const audit = await serverSql(t.server).values<string>("SELECT detail FROM audit WHERE action = 'integration.connect'");
    expect(audit.some((d) => d.includes('destination_forbidden'))).toBe(true);
    expect(await storedText(t)).not.toContain(SECRET_MARKER);
    const metrics = await (await t.fetch('/metrics')).text();
    expect(metrics).toMatch(/wedsync_outbound_refused_total\{range="loopback"\} 1\b/);
  });

  it('refuses every internal address kind, however it is spelled', async () => {
    const internal = await startInternalHttp(() => 200);
    const t = await startTestServer({ env: DEFAULT_POLICY });
    const planner = await t.token('planner', ['w1']);
    const p = internal.port;
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${p}/`, /loopback/],
      [`http://[::1]:${p}/`, /loopback/],
      [`http://2130706433:${p}/`, /loopback/], // decimal
      [`http://0x7f.1:${p}/`, /loopback/], // hex, short form
      [`http://017700000001:${p}/`, /loopback/], // octal
      [`http://127.1:${p}/`, /loopback/],
      [`http://localhost:${p}/`, /loopback/], // a name resolving to loopback
      [`http://LocalHost:${p}/`, /loopback/],
      [`http://0.0.0.0:${p}/`, /unspecified/],
      [`http://[::]:${p}/`, /unspecified/],
      [`http://[::ffff:127.0.0.1]:${p}/`, /ipv4Mapped/],
      [`http://[::ffff:10.0.0.1]:${p}/`, /ipv4Mapped/],
      [`http://10.0.0.1:${p}/`, /private/],
      [`http://10.255.255.254:${p}/`, /private/],
      [`http://172.16.0.1:${p}/`, /private/],
      [`http://172.31.255.1:${p}/`, /private/],
      [`http://192.168.1.1:${p}/`, /private/],
      ['http://169.254.169.254/latest/meta-data/', /linkLocal/], // cloud metadata
      [`http://[fe80::1]:${p}/`, /linkLocal/],
      [`http://[fc00::1]:${p}/`, /uniqueLocal/],
      ['http://[fd00:ec2::254]/latest/meta-data/', /uniqueLocal/], // AWS IPv6 metadata
      [`http://100.64.0.1:${p}/`, /carrierGradeNat/],
      ['http://100.100.100.200/latest/meta-data/', /carrierGradeNat/], // Alibaba metadata
      [`http://224.0.0.1:${p}/`, /multicast/],
      [`http://[ff02::1]:${p}/`, /multicast/],
      [`http://255.255.255.255:${p}/`, /broadcast/],
      [`${t.httpUrl}/api/openapi.json`, /loopback/], // the hub's own API
    ];
    for (const [url, range] of cases) {
      const res = await connect(t, planner, 'webhooks', { credentials: {}, configuration: { url } });
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({ url, status: 400, code: 'destination_forbidden' });
      expect(res.body.error!.message, url).toMatch(range);
      expect(res.text).not.toContain(SECRET_MARKER);
    }
    expect(internal.hits()).toBe(0);
  });

  it('refuses an internal URL in every adapter kind that takes one, before connecting', async () => {
    const internal = await startInternalHttp(() => 200);
    const smtp = await startInternalSmtp();
    const t = await startTestServer({ env: DEFAULT_POLICY });
    const planner = await t.token('planner', ['w1']);
    for (const host of ['127.0.0.1', '[::1]', '10.1.2.3', '169.254.169.254']) {
      const bodies = connectBodies(`http://${host}:${internal.port}`, { host: host.replace(/^\[|\]$/g, ''), port: smtp.port });
      for (const [kind, body] of Object.entries(bodies)) {
        const res = await connect(t, planner, systemOf(kind), body);
        expect({ kind, host, status: res.status, code: res.body.error?.code }).toEqual({ kind, host, status: 400, code: 'destination_forbidden' });
        expect(res.text).not.toContain(SECRET_MARKER);
      }
    }
    // SMTP host names are resolved and checked as well.
    const byName = await connect(t, planner, 'email', connectBodies('http://x', { host: 'localhost', port: smtp.port }).email!);
    expect(byName.body.error?.code).toBe('destination_forbidden');
    expect(internal.hits()).toBe(0);
    expect(smtp.hits()).toBe(0);
    expect(await serverSql(t.server).value('SELECT count(*) FROM integrations')).toBe(0);
  });

  it('checks every redirect hop: an allowed host redirecting to a forbidden one is refused', async () => {
    const internal = await startInternalHttp(() => 200);
    // Only 127.0.0.1 itself is allowed; the redirect goes to 127.0.0.2, [::1] or the metadata address.
    const t = await startTestServer({ env: { OUTBOUND_ALLOW: '127.0.0.1' } });
    const planner = await t.token('planner', ['w1']);
    for (const target of [`http://127.0.0.2:${internal.port}`, `http://[::1]:${internal.port}`, `http://0x7f000002:${internal.port}`, 'http://169.254.169.254']) {
      const redirector = await startRedirector((path) => `${target}${path}`);
      // (The Slack and Twilio clients and the universal adapter do not follow redirects at all; the
      // node:http agents Twilio uses are checked per connection in egress-guard.test.ts.)
      for (const kind of ['outlook (apiBaseUrl)', 'outlook (authorityUrl)', 'google-calendar (apiBaseUrl)', 'google-calendar (tokenUrl)', 'caldav', 'paypal', 'square', 'stripe']) {
        const res = await connect(t, planner, systemOf(kind), connectBodies(redirector.url, { host: '127.0.0.1', port: 1 })[kind]!);
        expect({ kind, target, code: res.body.error?.code }).toEqual({ kind, target, code: 'destination_forbidden' });
        expect(res.text).not.toContain(SECRET_MARKER);
      }
      // The universal adapter follows no redirect; one into the network is still named as such.
      const hook = await connect(t, planner, 'webhooks', { credentials: {}, configuration: { url: `${redirector.url}/hooks` } });
      expect({ target, code: hook.body.error?.code }).toEqual({ target, code: 'destination_forbidden' });
      expect(redirector.hits()).toBeGreaterThan(0);
    }
    expect(internal.hits()).toBe(0);
  });

  it('checks names after resolution: a public-looking name that resolves to loopback is refused, unless the operator allows that host', async () => {
    const receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const resolve = async (hostname: string) => (hostname === 'hooks.partner.example' ? [{ address: '127.0.0.1', family: 4 }] : []);
    const refused = await startTestServer({ env: DEFAULT_POLICY, resolve });
    const planner = await refused.token('planner', ['w1']);
    const url = `http://hooks.partner.example:${port}/hooks`;
    const res = await connect(refused, planner, 'webhooks', { credentials: { webhookSecret: receiver.secret }, configuration: { url } });
    expect(res.body.error?.code).toBe('destination_forbidden');
    expect(res.body.error!.message).toContain('hooks.partner.example (127.0.0.1)');
    expect(receiver.accepted()).toHaveLength(0);

    const allowed = await startTestServer({ env: { OUTBOUND_ALLOW: 'hooks.partner.example' }, resolve });
    const ok = await connect(allowed, await allowed.token('planner', ['w1']), 'webhooks', { credentials: { webhookSecret: receiver.secret }, configuration: { url } });
    expect(ok.status).toBe(201);
    expect(receiver.accepted()).toHaveLength(1);
    // The host allow-list names a host, not its address: 127.0.0.1 itself stays refused.
    const literal = await connect(allowed, await allowed.token('planner', ['w1']), 'webhooks', { credentials: {}, configuration: { url: receiver.url } });
    expect(literal.body.error?.code).toBe('destination_forbidden');
  });

  it('lets an operator allow private ranges with OUTBOUND_ALLOW (CIDR), and only those', async () => {
    const receiver = await startReceiver();
    const allowed = await startTestServer({ env: { OUTBOUND_ALLOW: '10.0.0.0/8, 127.0.0.0/8' } });
    const planner = await allowed.token('planner', ['w1']);
    expect((await connect(allowed, planner, 'webhooks', { credentials: { webhookSecret: receiver.secret }, configuration: { url: receiver.url } })).status).toBe(201);
    expect((await connect(allowed, planner, 'webhooks', { credentials: {}, configuration: { url: `http://[::1]:${new URL(receiver.url).port}/` } })).body.error?.code).toBe('destination_forbidden');
    expect((await connect(allowed, planner, 'webhooks', { credentials: {}, configuration: { url: 'http://192.168.0.10/' } })).body.error?.code).toBe('destination_forbidden');

    const other = await startTestServer({ env: { OUTBOUND_ALLOW: '10.0.0.0/8' } });
    const res = await connect(other, await other.token('planner', ['w1']), 'webhooks', { credentials: {}, configuration: { url: receiver.url } });
    expect(res.body.error?.code).toBe('destination_forbidden');
    expect(receiver.accepted()).toHaveLength(1);
  });

  it('never returns or stores what a reachable system answered, whatever the status', async () => {
    const smtp = await startInternalSmtp();
    // Loopback allowed (as the test servers do): the requests reach the service and fail there.
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    for (const status of [200, 400, 401, 403, 404, 409, 410, 412, 429, 500, 503]) {
      const internal = await startInternalHttp(() => status);
      for (const [kind, body] of Object.entries(connectBodies(`http://127.0.0.1:${internal.port}`, { host: '127.0.0.1', port: smtp.port }))) {
        const res = await connect(t, planner, systemOf(kind), body);
        if (res.status === 201) continue; // a 200 that some adapters accept as an answer
        expect({ kind, status, code: res.body.error?.code }).not.toEqual({ kind, status, code: 'destination_forbidden' });
        expect(res.text, `${kind} answered ${status}`).not.toContain(SECRET_MARKER);
        expect(res.text).not.toContain('s3cr3t');
      }
      expect(internal.hits()).toBeGreaterThan(0);
    }
    expect(smtp.hits()).toBeGreaterThan(0);
    expect(await storedText(t)).not.toContain(SECRET_MARKER);
  });

  it('keeps remote bodies out of outbox errors and integration status when a push fails', async () => {
    let calls = 0;
    // The connection test's ping is accepted; every push after it fails with the page in the body.
    const internal = await startInternalHttp(() => (++calls === 1 ? 200 : 500));
    const t = await startTestServer({ env: { RETRY_SCHEDULE_MS: '50', OUTBOX_MAX_ATTEMPTS: '2', BREAKER_THRESHOLD: '100', PUSH_COALESCE_MS: '0' } });
    const planner = await t.token('planner', ['w1']);
    expect((await connect(t, planner, 'webhooks', { credentials: {}, configuration: { url: `http://127.0.0.1:${internal.port}/hook` } })).status).toBe(201);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' });
    const outbox = await waitFor(async () => {
      const res = await t.fetch('/api/integrations/wedding/w1/outbox', { token: planner });
      const text = await res.text();
      return (JSON.parse(text) as { entries: { status: string }[] }).entries.some((e) => e.status === 'dead') ? text : null;
    }, 'the push to be dead-lettered');
    expect(outbox).toContain('webhook subscriber error 500');
    expect(outbox).not.toContain(SECRET_MARKER);
    const listed = await (await t.fetch('/api/integrations?weddingId=w1', { token: planner })).text();
    expect(listed).not.toContain(SECRET_MARKER);
    const audit = await (await t.fetch('/api/integrations/wedding/w1/audit', { token: planner })).text();
    expect(audit).not.toContain(SECRET_MARKER);
    expect(await storedText(t)).not.toContain(SECRET_MARKER);
  });

  it('refuses a Teams flow URL (a user-set URL used only when sending) at send time', async () => {
    const internal = await startInternalHttp(() => 200);
    const egress = createGuardedEgress(createOutboundPolicy(parseOutboundAllow('')));
    registerTeardown(() => egress.close());
    const runtime: AdapterRuntime = {
      integrationId: 'int_teams', weddingId: 'w1', webhookUrl: 'https://hub.example/api/integrations/webhook/teams/int_teams', webhookSecret: 'whsec_x',
      fetch: egress.fetch, egress, now: Date.now, state: { get: () => ({}), set: () => undefined },
    };
    const message: OutboundMessage = {
      weddingId: 'w1', weddingTitle: 'Zoë & Ana', messageId: 'msg_1', recipient: { id: 'dj', kind: 'vendor', name: 'DJ Sam', email: '', phone: '', role: 'dj' },
      channel: 'teams', address: 'recipient:dj', subject: 'Storm', body: 'Ceremony moves indoors.', priority: 'urgent', type: 'emergency.weather', requiresAck: false, ackUrl: null, level: 0,
    };
    for (const url of [`http://127.0.0.1:${internal.port}/flow`, `http://[::1]:${internal.port}/flow`, 'http://169.254.169.254/flow', `http://localhost:${internal.port}/flow`]) {
      const teams = teamsAdapter.create({ integrationId: 'int_teams', weddingId: 'w1', credentials: { webhookUrls: { dj: url } }, configuration: {}, runtime }) as MessagingAdapter;
      const error = await teams.send(message, { idempotencyKey: 'k1' }).then(() => null, (e: unknown) => e as { code?: string; message?: string });
      expect({ url, code: error?.code }).toEqual({ url, code: 'destination_forbidden' });
    }
    expect(internal.hits()).toBe(0);
  });
});
