import { WeddingDoc, adapterOrigin } from '../../schema/index.ts';
import type { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import type { Bridge } from '../bridge/bridge.ts';
import type { CollabServer } from '../collab/collab-server.ts';

/**
 * A resumed demo's pay links (issue 14, trial 23). The Stripe sandbox runs in this process, so a
 * restart whose old port was taken gives it a new one; its invoices' `hosted_invoice_url`
 * (`http://127.0.0.1:<port>/i/<invoice id>`, what a browser opens) and the `requestUrl` copied
 * from them into the demo weddings' payments would keep naming the old port, and every *Pay*
 * link would fail.
 *
 * Re-pointed once on resume rather than resolved at display time: the link is a stored value that
 * every reader (the budget, a payment reminder's text, the SDK) copies as is, and only the demo
 * knows that its sandbox moved.
 */

/** The invoice id in a sandbox hosted invoice URL (`…/i/in_…`), or null. */
const INVOICE_PATH = /^http:\/\/127\.0\.0\.1:\d+\/i\/(in_[A-Za-z0-9]+)$/;

/**
 * Rewrites the sandbox's own invoices whose hosted page names `from` (an origin such as
 * `http://127.0.0.1:41234`) to name `to`. Returns how many changed.
 */
export function moveHostedInvoiceUrls(stripe: StripeSandbox, from: string, to: string): number {
  let changed = 0;
  for (const o of stripe.objects.values()) {
    const url = o.hosted_invoice_url;
    if (o.object !== 'invoice' || typeof url !== 'string' || !url.startsWith(`${from}/`)) continue;
    o.hosted_invoice_url = to + url.slice(from.length);
    changed++;
  }
  return changed;
}

/**
 * Sets each payment of `weddingIds` whose pay link is a sandbox invoice page to the page the
 * sandbox serves now (when they differ), as Stripe's own change (adapter origin of the wedding's
 * Stripe binding, so nothing is pushed back to Stripe). Weddings without a Stripe binding are
 * skipped. Idempotent: a restart that moved nothing changes nothing. Returns how many changed.
 */
export async function repointPayLinks(deps: { bridge: Bridge; collab: CollabServer; stripe: StripeSandbox }, weddingIds: string[]): Promise<number> {
  let changed = 0;
  for (const weddingId of weddingIds) {
    const binding = (await deps.bridge.store.listForWedding(weddingId)).find((i) => i.system === 'stripe');
    if (!binding) continue;
    changed += await deps.collab.withDocument(weddingId, (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      let n = 0;
      for (const p of doc.listPayments()) {
        const id = INVOICE_PATH.exec(p.requestUrl)?.[1];
        const now = id ? deps.stripe.objects.get(id)?.hosted_invoice_url : undefined;
        if (typeof now !== 'string' || now === p.requestUrl) continue;
        doc.upsertPayment({ id: p.id, requestUrl: now }, adapterOrigin('stripe', binding.id));
        n++;
      }
      return n;
    });
  }
  return changed;
}
