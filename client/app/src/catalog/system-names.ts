import { humanize } from '../ui/labels.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

/** The adapters' ids (`system`) as the catalogue names them (adapters/catalog.ts); others humanized. */
const SYSTEM_NAMES = lookupTable<string>({
  'google-calendar': 'Google Calendar', outlook: 'Outlook', caldav: 'CalDAV', 'vsco-workspace': 'VSCO Workspace', calendly: 'Calendly',
  acuity: 'Acuity Scheduling', 'event-temple': 'Event Temple', stripe: 'Stripe', square: 'Square', paypal: 'PayPal', slack: 'Slack',
  teams: 'Microsoft Teams', email: 'E-mail', twilio: 'Twilio', webhooks: 'Webhooks', preset: 'Zapier/Make preset',
});

/** A system's name as people know it. */
export const systemName = (system: string): string => SYSTEM_NAMES[system] ?? humanize(system);
