/**
 * The three calendar sandboxes for a local demo:
 *   node --import tsx adapters/calendar-sandboxes.ts [weddingId]
 * starts Google Calendar, Microsoft Graph and CalDAV sandboxes on free loopback ports, makes a
 * vendor account in each, and prints the `POST /api/integrations/vendor/connect` bodies that point
 * WedSync at them, and the OAUTH_* variables that send the OAuth connect flows to their consent
 * pages. Ctrl-C stops them.
 */
import { CalDavSandbox } from './caldav/sandbox.ts';
import { GoogleCalendarSandbox } from './google-calendar/sandbox.ts';
import { GraphSandbox } from './outlook/sandbox.ts';

const weddingId = process.argv[2] ?? 'demo';
const google = await new GoogleCalendarSandbox().start();
const graph = await new GraphSandbox().start();
const caldav = await new CalDavSandbox().start();

const calendarId = google.addCalendar({ id: 'photographer@example.com', summary: 'Photographer', timeZone: 'America/New_York' });
const mailbox = graph.addMailbox('florist@contoso.com');
const app = graph.registerApp('contoso');
const venue = caldav.addUser('venue');
caldav.addCalendar('venue', { id: 'events', displayName: 'Venue events', timeZone: 'Europe/London' });

const bodies = {
  'google-calendar': {
    weddingId, system: 'google-calendar',
    credentials: { refreshToken: google.issueRefreshToken('demo-client', 'demo-secret'), clientId: 'demo-client', clientSecret: 'demo-secret' },
    configuration: { calendarId, apiBaseUrl: google.url, tokenUrl: google.tokenUrl },
  },
  outlook: {
    weddingId, system: 'outlook',
    credentials: { ...app, refreshToken: graph.issueRefreshToken(app.clientId, mailbox) },
    configuration: { apiBaseUrl: graph.url, authorityUrl: graph.authorityUrl },
  },
  caldav: {
    weddingId, system: 'caldav',
    credentials: venue,
    configuration: { serverUrl: caldav.url, calendarName: 'Venue events' },
  },
};

// The OAuth connect flows (docs/oauth.md): a server started with these variables sends people to
// the sandboxes' consent pages instead of Google's and Microsoft's.
google.registerOAuthClient('wedsync-demo', 'wedsync-demo-secret');
const connectApp = graph.registerApp('contoso');
graph.consentAs(mailbox);
const oauthEnv = {
  OAUTH_GOOGLE_CLIENT_ID: 'wedsync-demo', OAUTH_GOOGLE_CLIENT_SECRET: 'wedsync-demo-secret',
  OAUTH_GOOGLE_AUTHORIZATION_URL: google.authorizationUrl, OAUTH_GOOGLE_TOKEN_URL: google.tokenUrl,
  OAUTH_MICROSOFT_CLIENT_ID: connectApp.clientId, OAUTH_MICROSOFT_CLIENT_SECRET: connectApp.clientSecret,
  OAUTH_MICROSOFT_AUTHORIZATION_URL: graph.authorizeUrl(), OAUTH_MICROSOFT_TOKEN_URL: graph.tokenUrl(),
  OAUTH_ALLOW_INSECURE_HTTP: 'true',
};

process.stdout.write(`Calendar sandboxes running (Ctrl-C to stop):\n  Google Calendar ${google.url}\n  Microsoft Graph ${graph.url}\n  CalDAV          ${caldav.url}\n\n`);
for (const [system, body] of Object.entries(bodies)) process.stdout.write(`# ${system}\n${JSON.stringify(body)}\n\n`);
process.stdout.write(`# OAuth connect flows: start the server with\n${Object.entries(oauthEnv).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
// The connection's own settings still name the sandbox's API, or its test call goes to Google's and Microsoft's.
process.stdout.write(`and give each connection its sandbox's API in its configuration (the app: More settings → API base URL):\n  Google Calendar  "apiBaseUrl": "${google.url}"\n  Outlook          "apiBaseUrl": "${graph.url}"\n`);
process.stdout.write('The server needs OUTBOUND_ALLOW=127.0.0.0/8,::1 to reach the sandboxes; start it after them (their ports change at every start).\n');

// What "Sign in with Google" connects, and how to see or change that calendar by hand, through
// the sandbox's Google Calendar API (the token lasts a day).
const token = google.issueAccessToken(86_400_000);
const events = `${google.url}calendar/v3/calendars/primary/events`;
const sample = JSON.stringify({ summary: 'Maria & Tom wedding', location: 'Old Mill, Hudson', start: { dateTime: '2027-09-18T13:00:00-04:00', timeZone: 'America/New_York' }, end: { dateTime: '2027-09-18T23:00:00-04:00', timeZone: 'America/New_York' } });
process.stdout.write([
  '',
  '# Google: the consent page signs in as primary@example.com, so a connection made with "Sign in with Google"',
  '# uses its calendar, "primary" (the connect body above uses photographer@example.com instead). By hand:',
  `curl -s -H 'Authorization: Bearer ${token}' '${events}'`,
  `curl -s -H 'Authorization: Bearer ${token}' -H 'content-type: application/json' -d '${sample}' '${events}'`,
  '',
].join('\n'));

const stop = async () => {
  await Promise.all([google.stop(), graph.stop(), caldav.stop()]);
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
