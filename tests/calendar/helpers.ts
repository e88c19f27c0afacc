import { CalDavSandbox } from '../../adapters/caldav/sandbox.ts';
import { GoogleCalendarSandbox } from '../../adapters/google-calendar/sandbox.ts';
import { GraphSandbox } from '../../adapters/outlook/sandbox.ts';
import type { ConnectResult, StatusBody } from '../../schema/index.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import type { TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

/** A vendor's calendars on each system: their sandboxes, accounts and the ids tests look things up by. */
export interface CalendarSandboxes {
  google: GoogleCalendarSandbox;
  googleCalendarId: string;
  graph: GraphSandbox;
  graphUser: string;
  caldav: CalDavSandbox;
  caldavUser: { username: string; password: string };
}

export async function startSandboxes(now?: () => number): Promise<CalendarSandboxes> {
  const google = await new GoogleCalendarSandbox(now).start();
  const graph = await new GraphSandbox(now).start();
  const caldav = await new CalDavSandbox().start();
  registerTeardown(() => Promise.all([google.stop(), graph.stop(), caldav.stop()]));
  const googleCalendarId = google.addCalendar({ id: 'alex.photo@example.com', summary: 'Alex Photo', timeZone: 'America/New_York' });
  const graphUser = graph.addMailbox('florist@contoso.com');
  const caldavUser = caldav.addUser('venue');
  caldav.addCalendar('venue', { id: 'events', displayName: 'Venue events', timeZone: 'Europe/London' });
  return { google, googleCalendarId, graph, graphUser, caldav, caldavUser };
}

export async function connect(t: TestServer, token: string, body: Record<string, unknown>): Promise<ConnectResult> {
  const res = await t.fetch('/api/integrations/vendor/connect', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`connect failed: ${res.status} ${await res.text()}`);
  return await res.json() as ConnectResult;
}

export function googleConnection(s: CalendarSandboxes, weddingId: string, configuration: Record<string, unknown> = {}, vendorId?: string) {
  const clientId = 'wedsync-client';
  const clientSecret = 'wedsync-secret';
  return {
    weddingId, system: 'google-calendar', ...(vendorId ? { vendorId } : {}),
    credentials: { refreshToken: s.google.issueRefreshToken(clientId, clientSecret), clientId, clientSecret },
    configuration: { calendarId: s.googleCalendarId, apiBaseUrl: s.google.url, tokenUrl: s.google.tokenUrl, ...configuration },
  };
}

export function outlookConnection(s: CalendarSandboxes, weddingId: string, configuration: Record<string, unknown> = {}, vendorId?: string) {
  const app = s.graph.registerApp('contoso-tenant');
  return {
    weddingId, system: 'outlook', ...(vendorId ? { vendorId } : {}),
    credentials: { ...app, refreshToken: s.graph.issueRefreshToken(app.clientId, s.graphUser) },
    configuration: { apiBaseUrl: s.graph.url, authorityUrl: s.graph.authorityUrl, ...configuration },
  };
}

export function caldavConnection(s: CalendarSandboxes, weddingId: string, configuration: Record<string, unknown> = {}, vendorId?: string) {
  return {
    weddingId, system: 'caldav', ...(vendorId ? { vendorId } : {}),
    credentials: s.caldavUser,
    configuration: { serverUrl: s.caldav.url, calendarName: 'Venue events', ...configuration },
  };
}

/** Instants compared by the moment they denote. */
export const sameInstant = (a: string | null | undefined, b: string) => !!a && Date.parse(a) === Date.parse(b);

/** Waits until every integration of the wedding has no inbox row to apply and no push to deliver (and `also`, when given, holds). */
export async function nothingPending(t: TestServer, weddingId: string, token: string, also: () => boolean = () => true): Promise<void> {
  await waitFor(async () => {
    const body = await (await t.fetch(`/api/integrations/status/${weddingId}`, { token })).json() as StatusBody;
    return also() && body.integrationStatus.every((i) => i.inbox.pending === 0 && i.outbox.pending === 0);
  }, 'no pending inbox or outbox rows');
}
