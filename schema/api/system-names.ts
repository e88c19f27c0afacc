import { lookupTable } from '../own-keys.ts';

/**
 * The adapters' ids (`system`) as people name them, short, on every page and in every message
 * (the catalogue's entries keep their longer listing names, adapters/catalog.ts). A `preset`
 * connection is named by its preset ("HoneyBook"): server/bridge/system-name.ts.
 */
export const SYSTEM_NAMES = lookupTable<string>({
  'google-calendar': 'Google Calendar', outlook: 'Outlook', caldav: 'CalDAV', 'vsco-workspace': 'VSCO Workspace', calendly: 'Calendly',
  acuity: 'Acuity Scheduling', 'event-temple': 'Event Temple', stripe: 'Stripe', square: 'Square', paypal: 'PayPal', slack: 'Slack',
  teams: 'Microsoft Teams', email: 'E-mail', twilio: 'Twilio', webhooks: 'Webhooks', preset: 'Zapier/Make preset', ical: 'iCal feed', csv: 'CSV import',
});

/** `system` as people know it: its short name, else its id in words ("my-crm" → "My crm"). */
export function shortSystemName(system: string): string {
  const known = SYSTEM_NAMES[system];
  if (known) return known;
  const words = system.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : system;
}
