/**
 * The CRM, venue and booking-tool sandboxes for a local demo (issue 13):
 *   node --import tsx adapters/crm-sandboxes.ts <workspaceId>
 * starts VSCO Workspace, Calendly, Acuity Scheduling and Event Temple sandboxes on free loopback
 * ports and prints the `POST /api/integrations/vendor/connect` bodies that point WedSync at them
 * (connections of the workspace; bind weddings afterwards, or let records reach the unmatched
 * queue). The server must be allowed to reach loopback: OUTBOUND_ALLOW=127.0.0.0/8,::1. Each
 * sandbox's control methods (book, reschedule, create a lead…) are in its own sandbox.ts; here
 * they serve through their HTTP APIs only. Ctrl-C stops them.
 */
import { AcuitySandbox } from './acuity/sandbox.ts';
import { CalendlySandbox } from './calendly/sandbox.ts';
import { EventTempleSandbox } from './event-temple/sandbox.ts';
import { VscoSandbox } from './vsco-workspace/sandbox.ts';

const workspaceId = process.argv[2] ?? '<workspaceId>';
const vsco = await new VscoSandbox().start();
const calendly = await new CalendlySandbox().start();
const acuity = await new AcuitySandbox().start();
const venue = await new EventTempleSandbox().start();

const bodies = {
  'vsco-workspace': { workspaceId, system: 'vsco-workspace', credentials: { apiKey: vsco.apiKey }, configuration: { apiBaseUrl: vsco.url } },
  calendly: { workspaceId, system: 'calendly', credentials: { accessToken: calendly.token }, configuration: { apiBase: calendly.url } },
  acuity: { workspaceId, system: 'acuity', credentials: { userId: acuity.userId, apiKey: acuity.apiKey }, configuration: { apiBase: acuity.url } },
  'event-temple': { workspaceId, system: 'event-temple', credentials: { apiKey: venue.apiKey, orgId: venue.orgId }, configuration: { apiBase: venue.url } },
};
for (const [system, body] of Object.entries(bodies)) console.log(`\n# ${system}\n${JSON.stringify(body, null, 2)}`);
console.log('\nThe server needs OUTBOUND_ALLOW=127.0.0.0/8,::1 to reach these. Ctrl-C stops them.');

process.on('SIGINT', () => {
  void Promise.all([vsco.stop(), calendly.stop(), acuity.stop(), venue.stop()]).finally(() => process.exit(0));
});
