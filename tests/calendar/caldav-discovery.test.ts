import { describe, expect, it } from 'vitest';
import { CalDavClient } from '../../adapters/caldav/client.ts';
import { CalDavConfiguration } from '../../adapters/caldav/config.ts';
import { CalDavSandbox } from '../../adapters/caldav/sandbox.ts';
import { registerTeardown } from '../helpers/teardown.ts';

/**
 * Which calendar a CalDAV connection syncs with, when its adapter state remembers one found
 * earlier: the remembered calendar is used only for the settings it was found for.
 */

type Remembered = { calendarUrl?: string; syncCollection?: boolean; calendarTimeZone?: string; foundFor?: string };

async function venue() {
  const caldav = await new CalDavSandbox().start();
  registerTeardown(() => caldav.stop());
  const user = caldav.addUser('venue');
  const ny = caldav.addCalendar('venue', { id: 'ny', displayName: 'Venue NY', timeZone: 'America/New_York' });
  const plain = caldav.addCalendar('venue', { id: 'plain', displayName: 'Venue plain', timeZone: null });
  return { caldav, user, ny, plain };
}

function client(serverUrl: string, user: { username: string; password: string }, configuration: Record<string, unknown>, state: Remembered) {
  const saved: Remembered[] = [];
  const remembered = { get: () => state, set: (v: Remembered) => { state = { ...state, ...v }; saved.push(v); } };
  return { client: new CalDavClient(user, CalDavConfiguration.parse({ serverUrl, ...configuration }), fetch, remembered), saved, state: () => state };
}

describe('the calendar a CalDAV connection remembers', () => {
  it('state kept before `foundFor` existed is not trusted: the calendar named now is found again', async () => {
    const { caldav, user, ny, plain } = await venue();
    // Found for "Venue NY" by an earlier version, which did not record what it was found for.
    const c = client(caldav.url, user, { calendarName: 'Venue plain' }, { calendarUrl: ny, syncCollection: true, calendarTimeZone: 'America/New_York' });
    expect((await c.client.collection()).url).toBe(plain);
    // The plain calendar declares no calendar-timezone: New York's is not carried over to it.
    expect(c.state().calendarTimeZone).toBeUndefined();
    expect(c.saved).toHaveLength(1);
  });

  it('a calendar found for the same settings is used without asking the server again; other settings find it again', async () => {
    const { caldav, user, ny, plain } = await venue();
    const first = client(caldav.url, user, { calendarName: 'Venue NY' }, {});
    expect((await first.client.collection()).url).toBe(ny);
    expect(first.state()).toMatchObject({ calendarUrl: ny, calendarTimeZone: 'America/New_York' });

    const requests = caldav.requests.length;
    const again = client(caldav.url, user, { calendarName: 'Venue NY' }, first.state());
    expect((await again.client.collection()).url).toBe(ny);
    expect(caldav.requests.length).toBe(requests);

    const renamed = client(caldav.url, user, { calendarName: 'Venue plain' }, first.state());
    expect((await renamed.client.collection()).url).toBe(plain);
    expect(renamed.state().calendarTimeZone).toBeUndefined();

    // Another account on the same server, with a calendar of the same name: its own is found.
    const other = caldav.addUser('annex');
    const annexNy = caldav.addCalendar('annex', { id: 'ny', displayName: 'Venue NY', timeZone: 'America/New_York' });
    const switched = client(caldav.url, other, { calendarName: 'Venue NY' }, first.state());
    expect((await switched.client.collection()).url).toBe(annexNy);
    expect(annexNy).not.toBe(ny);
    expect(switched.state().foundFor).not.toContain('annex');
  });
});
