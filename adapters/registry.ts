import type { AdapterDefinition } from './core/index.ts';
import { webhooksAdapter } from './webhooks/index.ts';
import { googleCalendarAdapter } from './google-calendar/index.ts';
import { outlookAdapter } from './outlook/index.ts';
import { calDavAdapter } from './caldav/index.ts';
import { stripeAdapter } from './stripe/index.ts';
import { squareAdapter } from './square/index.ts';
import { paypalAdapter } from './paypal/index.ts';
import { emailAdapter } from './email/index.ts';
import { twilioAdapter } from './twilio/index.ts';
import { slackAdapter } from './slack/index.ts';
import { teamsAdapter } from './teams/index.ts';

/** Payment processors and messaging channels (issue 6). */
const PAYMENTS_AND_MESSAGING = [stripeAdapter, squareAdapter, paypalAdapter, emailAdapter, twilioAdapter, slackAdapter, teamsAdapter];

/** Every adapter the server can connect, by system name (the adapter's folder name). */
export const ADAPTERS: readonly AdapterDefinition[] = [webhooksAdapter, googleCalendarAdapter, outlookAdapter, calDavAdapter, ...PAYMENTS_AND_MESSAGING];

export function adapterFor(system: string): AdapterDefinition | undefined {
  return ADAPTERS.find((a) => a.system === system);
}
