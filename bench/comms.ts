/**
 * `npm run bench -- comms`: the communication bridge and payment coordination against a server in
 * its own process, with the sandboxes (SMTP, Twilio, Slack, Stripe) in this one:
 * - emergency broadcast to 50 vendors × 3 channels (e-mail, SMS, Slack): time from the API call until
 *   every sandbox has received all 150 messages, and per-message latency, p50/p99 over the runs;
 *   baseline in the same run: the same 150 sends made directly with the same client libraries
 *   (nodemailer, twilio, @slack/web-api), one sequential chain per channel as the outbox has.
 * - Stripe webhook → budget visible in a connected client (invoice paid → `budget.totals` updated),
 *   p50/p99; baseline: the same payment change as a Standard Webhook (webhooks adapter).
 * Options: --quick (fewer runs).
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebClient } from '@slack/web-api';
import { createTransport } from '../adapters/email/client.ts';
import { SmtpSandbox } from '../adapters/email/sandbox.ts';
import { SlackSandbox } from '../adapters/slack/sandbox.ts';
import { StripeSandbox } from '../adapters/stripe/sandbox.ts';
import { createTwilioClient } from '../adapters/twilio/client.ts';
import { TwilioSandbox } from '../adapters/twilio/sandbox.ts';
import { sendStandardWebhook } from '../adapters/webhooks/sandbox.ts';
import { connectWedding } from '../client/sdk/node.ts';
import { createTokenService } from '../server/auth/tokens.ts';
import { createGuardedEgress } from '../server/net/guarded-egress.ts';
import { createOutboundPolicy, parseOutboundAllow } from '../server/net/outbound-policy.ts';
import { SANDBOX_OUTBOUND, TS_LOADER } from './server-env.ts';
import { fmt, markdownTable, summarize } from './stats.ts';

const SERVER = fileURLToPath(new URL('./comms-server.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const VENDORS = 50;
/** The secret bench/comms-server.ts signs tokens with. */
const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

async function startServer(dataDir: string): Promise<{ url: string; ws: string; stop: () => Promise<void> }> {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir=bench/tmp/prof'] : [];
  const child = fork(SERVER, [dataDir], { execArgv: ['--import', TS_LOADER, ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}/collab`, stop: () => new Promise((r) => { child.once('exit', () => r()); child.kill(profile.length ? 'SIGINT' : 'SIGKILL'); }) };
}

async function api<T>(url: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return await res.json() as T;
}

const until = async (check: () => boolean, what: string, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
};

const phone = (i: number) => `+4477009${String(10_000 + i).slice(1)}`;

interface Arrivals { smtp: number; twilio: number; slack: number }

export default async function comms(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const runs = quick ? 5 : 20;
  const token = await createTokenService(BENCH_SECRET).sign({ sub: 'bench', role: 'admin', weddings: ['*'] }, 3600);
  const smtp = await new SmtpSandbox().start();
  const tw = await new TwilioSandbox().start();
  tw.autoProgress = false; // status callbacks are not part of what is measured
  const slack = await new SlackSandbox().start();
  const stripe = await new StripeSandbox().start();
  const channels = Array.from({ length: VENDORS }, () => slack.addChannel());
  const count = (): Arrivals => ({ smtp: smtp.received.length, twilio: tw.messages.length, slack: slack.posted.length });

  // ── baseline: the same 150 sends straight from the client libraries ──────────────────────────
  // The client libraries configured as the adapters configure them (pooled SMTP with TCP_NODELAY,
  // connections checked like the server's, …).
  const egress = createGuardedEgress(createOutboundPolicy(parseOutboundAllow(SANDBOX_OUTBOUND.OUTBOUND_ALLOW)));
  const mailer = createTransport({ host: '127.0.0.1', port: smtp.port, tls: 'none', from: { address: 'wedding@example.com' }, maxConnections: 5 }, {}, egress);
  // The twilio client pointed at the sandbox the same way the adapter does it (its request client).
  const twClient = createTwilioClient({ accountSid: tw.accountSid, authToken: tw.authToken }, { apiBase: tw.url, smsFrom: '+447700900001', statusCallbacks: false }, egress);
  const web = new WebClient(slack.token, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  const direct: number[] = [];
  const directPer: number[] = [];
  for (let run = 0; run < runs; run++) {
    const t0 = performance.now();
    const chain = async (send: (i: number) => Promise<unknown>) => { for (let i = 0; i < VENDORS; i++) { await send(i); directPer.push(performance.now() - t0); } };
    await Promise.all([
      chain((i) => mailer.sendMail({ from: 'wedding@example.com', to: `v${i}@example.com`, subject: 'Storm warning', text: 'Ceremony moves indoors.' })),
      chain((i) => twClient.messages.create({ to: phone(i), from: '+447700900001', body: 'URGENT: Ceremony moves indoors.' })),
      chain((i) => web.chat.postMessage({ channel: channels[i]!, text: 'Ceremony moves indoors.' })),
    ]);
    direct.push(performance.now() - t0);
  }
  mailer.close();
  await egress.close();

  // ── WedSync: a wedding with 50 vendors on e-mail, SMS and Slack ──────────────────────────────
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-comms-'));
  const server = await startServer(dataDir);
  const client = await connectWedding({ url: server.ws, weddingId: 'bench', token });
  await client.whenSynced();
  client.doc.transact(() => {
    client.doc.setMeta({ title: 'Bench wedding', timezone: 'Europe/London', date: '2027-06-12' });
    for (let i = 0; i < VENDORS; i++) client.doc.upsertVendor({ id: `v${i}`, name: `Vendor ${i}`, category: 'other', email: `v${i}@example.com`, phone: phone(i), preferredChannels: ['email', 'sms', 'slack'] });
    client.doc.upsertContact({ id: 'couple', name: 'The couple', role: 'couple', email: 'couple@example.com', preferredChannels: ['email'] });
  });
  await client.whenAcknowledged();
  const connect = (body: Record<string, unknown>) => api<{ integrationId: string; webhookUrl: string; webhookSecret: string }>(`${server.url}/api/integrations/vendor/connect`, token, { weddingId: 'bench', credentials: {}, configuration: {}, ...body });
  await connect({ system: 'email', configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { address: 'wedding@example.com' } } });
  await connect({ system: 'twilio', credentials: { accountSid: tw.accountSid, authToken: tw.authToken }, configuration: { apiBase: tw.url, smsFrom: '+447700900001', statusCallbacks: false } });
  await connect({ system: 'slack', credentials: { botToken: slack.token }, configuration: { apiUrl: slack.apiUrl, recipients: Object.fromEntries(channels.map((c, i) => [`v${i}`, c])) } });

  const broadcast: number[] = [];
  const perMessage: number[] = [];
  for (let run = 0; run < runs; run++) {
    const before = count();
    const t0 = performance.now();
    let last = before;
    const stamp = () => {
      const now = count();
      const arrived = (now.smtp - last.smtp) + (now.twilio - last.twilio) + (now.slack - last.slack);
      for (let k = 0; k < arrived; k++) perMessage.push(performance.now() - t0);
      last = now;
    };
    await api(`${server.url}/api/weddings/bench/emergency`, token, { kind: 'weather', severity: 'high', message: `Storm warning (run ${run}): the ceremony moves indoors.`, affectedVendorIds: Array.from({ length: VENDORS }, (_, i) => `v${i}`), includeContacts: false });
    await until(() => { stamp(); const c = count(); return c.smtp - before.smtp >= VENDORS && c.twilio - before.twilio >= VENDORS && c.slack - before.slack >= VENDORS; }, 'every sandbox received the broadcast');
    broadcast.push(performance.now() - t0);
  }

  // ── Stripe webhook → budget visible in a connected client ─────────────────────────────────────
  await connect({ system: 'stripe', credentials: { secretKey: stripe.secretKey }, configuration: { apiBase: stripe.url, customerEmail: 'couple@example.com' } });
  // A plan holds up to 12 milestones: 10 instalments per vendor.
  for (let k = 0; k * 10 < runs; k++) {
    const n = Math.min(10, runs - k * 10);
    const milestones = Array.from({ length: n }, (_, i) => ({ milestone: 'other', weight: 1, due: '2027-05-01', description: `Instalment ${i + 1}` }));
    await api(`${server.url}/api/weddings/bench/payments/plan`, token, { vendorId: `v${k}`, currency: 'GBP', total: n * 10_000, processor: 'stripe', milestones });
  }
  await until(() => [...stripe.objects.values()].filter((o) => o.object === 'invoice' && o.status === 'open').length === runs, 'invoices created');
  const paid = () => (client.doc.getBudget()?.totals.GBP?.paid ?? 0);
  const stripeE2e: number[] = [];
  for (const inv of [...stripe.objects.values()].filter((o) => o.object === 'invoice')) {
    const target = paid() + (inv.amount_due as number);
    const t0 = performance.now();
    stripe.payInvoice(inv.id);
    await until(() => paid() >= target, 'budget updated');
    stripeE2e.push(performance.now() - t0);
  }
  // Baseline: the same change (a payment paid) as a Standard Webhook through the universal adapter.
  const wh = await connect({ system: 'webhooks', configuration: { direction: 'inbound' } });
  const webhookE2e: number[] = [];
  for (let i = 0; i < runs; i++) {
    const target = paid() + 10_000;
    const t0 = performance.now();
    await sendStandardWebhook(wh.webhookUrl, wh.webhookSecret, { id: `pay_${i}`, type: 'payment.upserted', data: { id: `wh-${i}`, vendorId: 'v49', amount: 10_000, amountPaid: 10_000, currency: 'GBP', status: 'paid' } });
    await until(() => paid() >= target, 'budget updated (webhooks)');
    webhookE2e.push(performance.now() - t0);
  }

  await client.destroy();
  await server.stop();
  await Promise.all([smtp.stop(), tw.stop(), slack.stop(), stripe.stop()]);
  fs.rmSync(dataDir, { recursive: true, force: true });

  const b = summarize(broadcast);
  const bm = summarize(perMessage);
  const d = summarize(direct);
  const dm = summarize(directPer);
  const s = summarize(stripeE2e);
  const w = summarize(webhookE2e);
  const table = [
    markdownTable(['emergency broadcast, 50 vendors × 3 channels', 'runs', 'all 150 received p50 (ms)', 'p99 (ms)', 'per message p50 (ms)', 'p99 (ms)'], [
      ['direct sends with the client libraries (baseline)', d.n, fmt(d.p50), fmt(d.p99), fmt(dm.p50), fmt(dm.p99)],
      ['WedSync: POST /emergency → every sandbox', b.n, fmt(b.p50), fmt(b.p99), fmt(bm.p50), fmt(bm.p99)],
    ]),
    '',
    markdownTable(['payment → budget visible in a connected client', 'n', 'p50 (ms)', 'p99 (ms)', 'max (ms)'], [
      ['Standard Webhook payment.upserted (baseline)', w.n, fmt(w.p50), fmt(w.p99), fmt(w.max)],
      ['Stripe invoice paid → signed webhook → budget', s.n, fmt(s.p50), fmt(s.p99), fmt(s.max)],
    ]),
  ].join('\n');
  const meta = { when: new Date().toISOString(), node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg(), quick, runs, vendors: VENDORS };
  fs.mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, `comms-${meta.when.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify({ meta, results: { broadcast: b, perMessage: bm, direct: d, directPerMessage: dm, stripeToBudget: s, webhookToBudget: w }, table }, null, 2) + '\n');
  console.log(table);
  console.log(`\n${JSON.stringify(meta)}\nwritten to ${path.relative(process.cwd(), file)}`);
}
