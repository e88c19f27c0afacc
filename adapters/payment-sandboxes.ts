/**
 * The payment sandboxes for a local demo:
 *   node --import tsx adapters/payment-sandboxes.ts <workspaceId> [weddingId]
 * starts Stripe and Square sandboxes on free loopback ports and prints the
 * `POST /api/integrations/vendor/connect` bodies that point WedSync at them (Stripe: a connection
 * of the workspace, bind weddings afterwards; Square serves one wedding per connection, so its body
 * names the wedding), a bind body, and where a couple pays. The server must be
 * allowed to reach loopback: OUTBOUND_ALLOW=127.0.0.0/8,::1. Ctrl-C stops them.
 */
import { SquareSandbox } from './square/sandbox.ts';
import { StripeSandbox } from './stripe/sandbox.ts';

const workspaceId = process.argv[2] ?? '<workspaceId>';
const weddingId = process.argv[3] ?? '<weddingId>';
const stripe = await new StripeSandbox().start();
const square = await new SquareSandbox().start();

const bodies = {
  // Invoices (the default) are addressed to each wedding's couple: a binding of this connection
  // carries the couple's e-mail (the bind body below). `requestAs: "payment_intent"` instead
  // needs nothing per wedding.
  stripe: { workspaceId, system: 'stripe', credentials: { secretKey: stripe.secretKey }, configuration: { apiBase: stripe.url } },
  square: { weddingId, system: 'square', credentials: { accessToken: square.accessToken }, configuration: { locationId: square.locationId, apiBase: square.url } },
};
for (const [system, body] of Object.entries(bodies)) console.log(`\n# ${system}: POST /api/integrations/vendor/connect\n${JSON.stringify(body, null, 2)}`);
console.log(`\n# Stripe, a wedding bound for invoices: POST /api/connections/<connectionId>/bindings (with that wedding's token)\n${JSON.stringify({ weddingId: '<weddingId>', configuration: { customerEmail: 'couple@example.com' } }, null, 2)}`);
console.log([
  '',
  `A payment planned with processor "stripe" becomes an invoice; the couple pays it on its hosted page, ${stripe.url}/i/<invoice id>:`,
  `the wedding's Budget links to it (Pay), and GET ${stripe.url}/v1/events with "Authorization: Bearer ${stripe.secretKey}" lists the events of the invoices made (their ids).`,
  'The server needs OUTBOUND_ALLOW=127.0.0.0/8,::1 to reach these. Ctrl-C stops them.',
].join('\n'));

const stop = async () => {
  await Promise.all([stripe.stop(), square.stop()]);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
