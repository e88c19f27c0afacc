import type { SandboxResponse } from '../core/sandbox-http.ts';
import { stripeExponent } from './amounts.ts';
import { payInvoice } from './sandbox-billing.ts';
import type { Obj, SandboxLedger } from './sandbox-ledger.ts';

/**
 * The Stripe sandbox's hosted invoice page, what an invoice's `hosted_invoice_url`
 * (`<sandbox>/i/<invoice id>`) opens: served without an API key, as Stripe's is.
 *
 * - `GET /i/:id`: an HTML page with the invoice's number, amount due (in its currency), description,
 *   due date (UTC) and status, and for an open invoice a *Pay* button.
 * - `POST /i/:id/pay`: the customer pays what remains, exactly as `StripeSandbox.payInvoice` does
 *   (payment intent, charge, invoice payment; `payment_intent.succeeded`, `invoice_payment.paid`,
 *   `invoice.paid` … sent signed to the webhook endpoints), then a 303 back to the page. Paying an
 *   invoice that is no longer open changes nothing and shows the page as it is.
 *
 * An unknown id, or a draft (which has no hosted page), answers a 404 page. Every value shown is
 * HTML-escaped.
 */

const PAGE = /^\/i\/([^/]+)(\/pay)?\/?$/;

/** Whether `path` is one of the hosted invoice page's. */
export function isHostedInvoicePath(path: string): boolean {
  return PAGE.test(path);
}

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** `minor` (the currency's smallest unit, as Stripe counts) written in `currency` (ISO 4217, any case), e.g. "£1,800.00". */
export function invoiceMoney(minor: number, currency: string): string {
  const code = currency.toUpperCase();
  try {
    // Stripe's units (amounts.ts), not Intl's idea of the currency's decimals (Intl has IDR and HUF at 0, ISK at 0 where Stripe counts 2).
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: code }).format(minor / 10 ** stripeExponent(code));
  } catch {
    return `${(minor / 10 ** stripeExponent(code)).toFixed(stripeExponent(code))} ${code}`;
  }
}

/** Unix seconds as a UTC date, e.g. "12 May 2027". */
const dateLabel = (seconds: number) => new Date(seconds * 1000).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

const STATUS: Record<string, string> = { open: 'Open', paid: 'Paid', void: 'Void', uncollectible: 'Uncollectible', draft: 'Draft' };

function html(status: number, title: string, body: string): SandboxResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    },
    body: `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;color:#1a1a1a;background:#f6f8fa;margin:0;line-height:1.5}main{max-width:32rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}h1{font-size:1.4rem;margin:0 0 1rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:0 0 1.5rem}dt{color:#4a4a4a}dd{margin:0;overflow-wrap:anywhere}.amount{font-size:1.6rem;font-weight:600}button{font-size:1.1rem;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#4b3fd6;color:#fff;cursor:pointer}button:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}.paid{color:#0b6b2f;font-weight:600}.note{color:#4a4a4a;font-size:.9rem}</style>
</head><body><main>
${body}
<p class="note">Stripe sandbox (test mode): no real money moves.</p>
</main></body></html>
`,
  };
}

function notFoundPage(): SandboxResponse {
  return html(404, 'Invoice not found', '<h1>Invoice not found</h1>\n<p>This invoice link is not valid: there is no invoice with this id.</p>');
}

function invoicePage(inv: Obj): SandboxResponse {
  const currency = String(inv.currency);
  const name = `Invoice ${String(inv.number ?? inv.id)}`;
  const status = String(inv.status);
  const paidAt = (inv.status_transitions as { paid_at?: number | null } | undefined)?.paid_at;
  const rows: Array<[string, string]> = [
    ['Amount due', `<span class="amount">${escapeHtml(invoiceMoney(Number(inv.amount_due), currency))}</span>`],
    ...(inv.description ? [['Description', escapeHtml(String(inv.description))] as [string, string]] : []),
    ...(typeof inv.due_date === 'number' ? [['Due', escapeHtml(dateLabel(inv.due_date))] as [string, string]] : []),
    ['Status', `<span class="${status === 'paid' ? 'paid' : ''}">${escapeHtml(STATUS[status] ?? status)}</span>`],
    ...(Number(inv.amount_paid) > 0 ? [['Paid', escapeHtml(invoiceMoney(Number(inv.amount_paid), currency))] as [string, string]] : []),
    ...(status === 'open' && Number(inv.amount_paid) > 0 ? [['Still to pay', escapeHtml(invoiceMoney(Number(inv.amount_remaining), currency))] as [string, string]] : []),
  ];
  const details = `<dl>\n${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('\n')}\n</dl>`;
  const action = status === 'open'
    ? `<form method="post" action="/i/${encodeURIComponent(inv.id)}/pay"><button type="submit">Pay ${escapeHtml(invoiceMoney(Number(inv.amount_remaining), currency))}</button></form>`
    : status === 'paid'
      ? `<p class="paid" role="status">This invoice is paid${typeof paidAt === 'number' ? ` (${escapeHtml(dateLabel(paidAt))})` : ''}. Thank you.</p>`
      : `<p>This invoice can no longer be paid.</p>`;
  return html(200, `${name} · ${invoiceMoney(Number(inv.amount_due), currency)}`, `<h1>${escapeHtml(name)}</h1>\n${details}\n${action}`);
}

/** Answers a hosted invoice page request (`isHostedInvoicePath(path)`), or null when `path` is not one. */
export function handleHostedInvoice(l: SandboxLedger, method: string, path: string): SandboxResponse | null {
  const m = PAGE.exec(path);
  if (!m) return null;
  let invoiceId: string;
  try {
    invoiceId = decodeURIComponent(m[1]!);
  } catch {
    return notFoundPage();
  }
  const inv = l.objects.get(invoiceId);
  if (!inv || inv.object !== 'invoice' || inv.status === 'draft') return notFoundPage();
  if (m[2]) {
    if (method !== 'POST') return { status: 405, headers: { allow: 'POST', 'content-type': 'text/plain; charset=utf-8' }, body: 'Method not allowed' };
    if (inv.status === 'open') payInvoice(l, inv.id);
    return { status: 303, headers: { location: `/i/${encodeURIComponent(inv.id)}`, 'cache-control': 'no-store' }, body: '' };
  }
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { allow: 'GET', 'content-type': 'text/plain; charset=utf-8' }, body: 'Method not allowed' };
  return invoicePage(inv);
}
