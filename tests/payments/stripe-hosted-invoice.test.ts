import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import { waitFor } from '../helpers/wait.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startStripe } from './helpers.ts';

/** A webhook receiver on a free loopback port: what Stripe's signed deliveries bring. */
async function receiver(): Promise<{ url: string; received: Array<{ signature: string; body: string }> }> {
  const received: Array<{ signature: string; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ signature: String(req.headers['stripe-signature'] ?? ''), body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  registerTeardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** `POST /v1/<path>` with the secret key, form-encoded. */
async function api(sb: StripeSandbox, path: string, params: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${sb.url}/v1/${path}`, { method: 'POST', headers: { authorization: `Bearer ${sb.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params).toString() });
  const body = await res.json() as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A finalized (open) invoice of `amount` GBP minor units with `description`: its id and hosted page URL. */
async function openInvoice(sb: StripeSandbox, description: string, amount = 180_000): Promise<{ id: string; url: string }> {
  const customer = await api(sb, 'customers', { email: 'ana.ben@example.com' });
  const inv = await api(sb, 'invoices', { customer: String(customer.id), currency: 'gbp', collection_method: 'send_invoice', days_until_due: '14', description });
  await api(sb, 'invoiceitems', { customer: String(customer.id), invoice: String(inv.id), amount: String(amount), currency: 'gbp', description });
  const final = await api(sb, `invoices/${String(inv.id)}/finalize`);
  return { id: String(final.id), url: String(final.hosted_invoice_url) };
}

describe('Stripe sandbox: the hosted invoice page', () => {
  it('shows an open invoice without an API key, escaped; Pay marks it paid and sends the signed webhooks', async () => {
    const sb = await startStripe();
    const hook = await receiver();
    const { secret } = sb.addEndpoint(hook.url);
    const hostile = 'Balance — Lens & Light <script>alert("x")</script>';
    const inv = await openInvoice(sb, hostile);
    expect(inv.url).toBe(`${sb.url}/i/${inv.id}`);

    const page = await fetch(inv.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await page.text();
    expect(text).not.toContain('<script>');
    expect(text).toContain('Balance — Lens &amp; Light &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(text).toContain('£1,800.00');
    expect(text).toMatch(/<dt>Status<\/dt><dd><span class="">Open<\/span><\/dd>/);
    expect(text).toContain('<button type="submit">Pay £1,800.00</button>');
    expect(text).toContain('<html lang="en">');

    const hooksBefore = hook.received.length;
    const paid = await fetch(`${inv.url}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`/i/${inv.id}`);
    expect(sb.objects.get(inv.id)).toMatchObject({ status: 'paid', amount_paid: 180_000, amount_remaining: 0 });

    // The same events as the sandbox's payInvoice, signed with the endpoint's secret.
    await waitFor(() => hook.received.slice(hooksBefore).some((r) => JSON.parse(r.body).type === 'invoice.paid'), 'invoice.paid delivered');
    const delivered = hook.received.slice(hooksBefore);
    const types = delivered.map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types).toEqual(expect.arrayContaining(['payment_intent.succeeded', 'invoice_payment.paid', 'invoice.paid']));
    for (const r of delivered) {
      const t = Number(/t=(\d+)/.exec(r.signature)![1]);
      expect(r.signature).toBe(StripeSandbox.sign(secret, r.body, t));
    }

    const after = await (await fetch(inv.url)).text();
    expect(after).toMatch(/<dd><span class="paid">Paid<\/span><\/dd>/);
    expect(after).toContain('This invoice is paid');
    expect(after).not.toContain('<button');

    // Pressing Pay again (a second tab) pays nothing more.
    const again = await fetch(`${inv.url}/pay`, { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(303);
    expect([...sb.objects.values()].filter((o) => o.object === 'invoice_payment')).toHaveLength(1);
  });

  it('answers a 404 page for an unknown id or a draft, and keeps the API behind its key', async () => {
    const sb = await startStripe();
    const unknown = await fetch(`${sb.url}/i/in_doesnotexist`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await unknown.text()).toContain('<h1>Invoice not found</h1>');
    const hostileId = await fetch(`${sb.url}/i/${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
    expect(hostileId.status).toBe(404);
    expect(await hostileId.text()).not.toContain('<img');
    expect((await fetch(`${sb.url}/i/in_doesnotexist/pay`, { method: 'POST' })).status).toBe(404);

    const customer = await api(sb, 'customers', { email: 'a@example.com' });
    const draft = await api(sb, 'invoices', { customer: String(customer.id), currency: 'gbp', days_until_due: '14' });
    expect((await fetch(`${sb.url}/i/${String(draft.id)}`)).status).toBe(404);
    expect((await fetch(`${sb.url}/i/${String(draft.id)}/pay`, { method: 'POST' })).status).toBe(404);
    expect(sb.objects.get(String(draft.id))?.status).toBe('draft');

    const noKey = await fetch(`${sb.url}/v1/invoices/${String(draft.id)}`);
    expect(noKey.status).toBe(401);
  });
});
