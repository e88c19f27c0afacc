import fc from 'fast-check';
import ICAL from 'ical.js';
import { convertIcsCalendar } from 'ts-ics';
import { describe, expect, it } from 'vitest';
import { clipText, utf8Length, wellFormed, type Vendor } from '../../schema/index.ts';
import { LIMITS, outboundEvent, toTimelineChange, type CalendarSyncOptions, type OutboundEvent } from '../../adapters/core/calendar.ts';
import type { OutboundChange, WeddingContext } from '../../adapters/core/index.ts';
import { busyIntervals, foldContentLine, inboundFromCalendar, parseCalendar, serializeCalendar, unfoldContentLines } from '../../adapters/core/icalendar.ts';
import { instancesIn } from '../../adapters/caldav/sandbox-time-range.ts';
import { fromICalendar, toICalendar, updateICalendar } from '../../adapters/caldav/mappers.ts';
import { fromGoogleEvent, toGoogleEvent } from '../../adapters/google-calendar/mappers.ts';
import { fromGraphEvent, toGraphEvent } from '../../adapters/outlook/mappers.ts';
import { renderFeed } from '../../server/calendar/ics-feed.ts';
import { lintICalendar } from '../helpers/icalendar-lint.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { HARD_GRAPHEMES, graphemeBoundaries, unicodeText, utf16Units } from '../helpers/unicode.ts';

const ISSUE_TITLE = `Cérémonie 💍 ${'é'.repeat(30)}婚礼${'💐'.repeat(20)}`;
const START = Date.UTC(2027, 5, 12, 13);
const VENDORS: Record<string, Vendor> = {
  v1: { id: 'v1', name: 'Zoë 🌸 Fleurs', category: 'florist', email: 'zoe@example.com', phone: '', preferredChannels: [], status: 'booked', links: {} },
};
const options: CalendarSyncOptions = { syncDirection: 'bidirectional', importEvents: 'all' };

/** Text with the characters iCalendar escapes, line breaks of every kind and hard graphemes mixed in. */
const icsText = (max: number) => fc.oneof(
  unicodeText(max),
  fc.array(fc.constantFrom(...HARD_GRAPHEMES, ',', ';', '\\', ':', '"', '\n', '\r\n', '\r', '\t', '\u0007'), { maxLength: max }).map((a) => a.join('')),
);
/** What a text reads as after a trip through iCalendar: line breaks as LF, no control characters but HTAB. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point (RFC 5545 §3.3.11)
const asICalendarText = (s: string) => wellFormed(s).replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g, '');

const unescapeText = (s: string) => s.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));

function event(over: Partial<OutboundEvent> = {}): OutboundEvent {
  return {
    weddingId: 'w1', eventId: 'e1', key: 'w1.e1', title: 'Ceremony', startMs: START, endMs: START + 3_600_000, zone: 'Europe/Paris',
    location: '', notes: '', category: 'ceremony', vendorIds: ['v1'], attendees: [{ vendorId: 'v1', email: 'zoe@example.com', name: VENDORS.v1!.name }], ...over,
  };
}

function feed(events: OutboundEvent[], name = 'Mariage 💍 Zoë & Ana') {
  return renderFeed({ name, weddingId: 'w1', zone: 'Europe/Paris', events, versions: new Map(), nowMs: Date.UTC(2027, 0, 1), refreshMinutes: 60 });
}

function physicalLines(ics: string): string[] {
  const lines = ics.split('\r\n');
  lines.pop();
  return lines;
}

describe('iCalendar folding (RFC 5545 §3.1)', () => {
  it('folds the issue\'s title into lines of at most 75 octets, between characters, and reads it back', () => {
    const ics = feed([event({ title: ISSUE_TITLE })]);
    expect(lintICalendar(ics)).toEqual([]);
    for (const line of physicalLines(ics)) expect(utf8Length(line)).toBeLessThanOrEqual(75);
    expect(unfoldContentLines(ics)).toContain(`SUMMARY:${ISSUE_TITLE}\r\n`);
    const parsed = parseCalendar(ics)!;
    expect(parsed.getFirstSubcomponent('vevent')!.getFirstPropertyValue('summary')).toBe(ISSUE_TITLE);
  });

  it('keeps continuation lines at 75 octets with their leading space (ical.js alone writes 76)', () => {
    const ics = feed([event({ notes: 'a'.repeat(300) })]);
    const lines = physicalLines(ics).filter((l) => l.startsWith(' '));
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(utf8Length(l)).toBeLessThanOrEqual(75);
    expect(lines.some((l) => utf8Length(l) === 75)).toBe(true);
  });

  it('unfold(fold(line)) is the line, every folded line is at most 75 octets and well-formed', () => {
    fc.assert(fc.property(fc.oneof(unicodeText(200), fc.array(fc.constantFrom(...HARD_GRAPHEMES), { maxLength: 120 }).map((a) => a.join(''))), (value) => {
      const line = `DESCRIPTION:${value.replace(/[\r\n]/g, ' ')}`;
      const folded = foldContentLine(line);
      expect(unfoldContentLines(folded)).toBe(line);
      for (const l of folded.split('\r\n')) {
        expect(utf8Length(l)).toBeLessThanOrEqual(75);
        expect(wellFormed(l)).toBe(l);
      }
    }), { numRuns: 400 });
  });

  it('folds between graphemes where a grapheme fits in a line', () => {
    const family = '👩‍👩‍👧‍👦'; // 25 octets, one grapheme
    const folded = foldContentLine(`SUMMARY:${family.repeat(10)}`);
    for (const l of folded.split('\r\n ')) expect(graphemeBoundaries(l).has(l.length)).toBe(true);
    expect(folded.split('\r\n ').slice(1).every((l) => l.replaceAll(family, '') === '')).toBe(true);
  });
});

describe('ICS feeds parse cleanly in independent parsers', () => {
  it('writes REFRESH-INTERVAL once, with VALUE=DURATION once (RFC 7986 §5.7)', () => {
    const ics = feed([event()]);
    const lines = unfoldContentLines(ics).split('\r\n').filter((l) => l.startsWith('REFRESH-INTERVAL'));
    expect(lines).toEqual(['REFRESH-INTERVAL;VALUE=DURATION:PT1H']);
    expect(lintICalendar(ics)).toEqual([]);
    const cal = parseCalendar(ics)!;
    expect(cal.getFirstProperty('refresh-interval')!.getFirstValue()).toBeInstanceOf(ICAL.Duration);
  });

  it('any text in titles, places, notes and names: lint-clean, and ical.js and ts-ics read it back', () => {
    fc.assert(fc.property(icsText(60), icsText(40), icsText(120), icsText(20), (title, location, notes, name) => {
      const t = title.trim() || 'x';
      const ics = feed([event({ title: t, location, notes, attendees: [{ vendorId: 'v1', email: 'zoe@example.com', name: name || 'Zoë' }] })], name || 'W');
      expect(lintICalendar(ics)).toEqual([]);
      const back = inboundFromCalendar(parseCalendar(ics)!, 'x', 'Europe/Paris')!;
      expect(back.title).toBe(asICalendarText(t));
      expect(back.location).toBe(asICalendarText(location));
      expect(back.notes).toBe(asICalendarText(notes));
      const independent = convertIcsCalendar(undefined, ics);
      // ts-ics hands X-WR-CALNAME over still escaped; unescaped as TEXT it is the name.
      expect(unescapeText(independent.name ?? '')).toBe(asICalendarText(name || 'W'));
      const ev = independent.events![0]!;
      expect(ev.summary ?? '').toBe(asICalendarText(t));
      expect(ev.location ?? '').toBe(asICalendarText(location));
      expect(ev.description ?? '').toBe(asICalendarText(notes));
    }), { numRuns: 200 });
  });

  it('writes lone surrogates as U+FFFD, so the feed is valid UTF-8', () => {
    fc.assert(fc.property(utf16Units(60), (raw) => {
      const ics = feed([event({ title: `T${raw}`, notes: raw })]);
      expect(lintICalendar(ics)).toEqual([]);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(new TextEncoder().encode(ics))).toBe(ics);
    }));
  });
});

describe('CalDAV object bodies', () => {
  it('PUT bodies (new and updated) are lint-clean and carry the text back whole', () => {
    fc.assert(fc.property(icsText(80), icsText(200), icsText(80), (title, notes, next) => {
      const t = title.trim() || 'x';
      const created = toICalendar(event({ title: t, notes }), Date.UTC(2027, 0, 1));
      expect(lintICalendar(created)).toEqual([]);
      expect(fromICalendar(created, '/c/x.ics', 'Europe/Paris')!.notes).toBe(asICalendarText(notes));
      const owner = created.replace('END:VEVENT\r\n', `X-OWNER-NOTE:${'ü'.repeat(50)}\r\nEND:VEVENT\r\n`);
      const updated = updateICalendar(owner, event({ title: t, notes: next }), ['notes'], Date.UTC(2027, 0, 2));
      expect(lintICalendar(updated)).toEqual([]);
      const back = fromICalendar(updated, '/c/x.ics', 'Europe/Paris')!;
      expect(back.notes).toBe(asICalendarText(next));
      expect(back.title).toBe(asICalendarText(t));
    }), { numRuns: 150 });
  });
});

describe('iCalendar text starting with a UTF-8 byte order mark', () => {
  const BOM = '\uFEFF';

  it('is read as the same calendar: parseCalendar, CalDAV bodies (read, updated), busy time, the sandbox server', () => {
    const body = toICalendar(event({ title: 'Ceremony' }), Date.UTC(2027, 0, 1));
    expect(parseCalendar(`${BOM}${body}`)).not.toBeNull();
    expect(parseCalendar(`${BOM}${body}`)!.toString()).toBe(parseCalendar(body)!.toString());
    expect(fromICalendar(`${BOM}${body}`, '/c/x.ics', 'Europe/Paris')).toEqual(fromICalendar(body, '/c/x.ics', 'Europe/Paris'));
    const updated = updateICalendar(`${BOM}${body}`, event({ title: 'Ceremony (moved)' }), ['title'], Date.UTC(2027, 0, 2));
    expect(updated.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(fromICalendar(updated, '/c/x.ics', 'Europe/Paris')!.title).toBe('Ceremony (moved)');
    expect(busyIntervals(parseCalendar(`${BOM}${body}`)!, 'UTC', START, START + 1)).toEqual([{ startMs: START, endMs: START + 3_600_000, title: 'Ceremony' }]);
    expect(instancesIn(`${BOM}${body}`, START, START + 1, 'UTC').map((i) => [i.start, i.end])).toEqual([[START, START + 3_600_000]]);
    // Only a leading mark is one; anything else that is not iCalendar is still refused.
    expect(parseCalendar(BOM)).toBeNull();
    expect(parseCalendar(`${BOM}${BOM}${body}`)).toBeNull();
  });

  it('any feed or object body we write reads the same with a BOM before it (fast-check)', () => {
    fc.assert(fc.property(icsText(60), icsText(120), (title, notes) => {
      const body = toICalendar(event({ title: title.trim() || 'x', notes }), Date.UTC(2027, 0, 1));
      expect(fromICalendar(`${BOM}${body}`, '/c/x.ics', 'Europe/Paris')).toEqual(fromICalendar(body, '/c/x.ics', 'Europe/Paris'));
      const ics = feed([event({ title: title.trim() || 'x', notes })]);
      expect(parseCalendar(`${BOM}${ics}`)!.toString()).toBe(parseCalendar(ics)!.toString());
    }), { numRuns: 60 });
  });
});

describe('calendar mappers with any Unicode text, both directions', () => {
  const wedding: WeddingContext = { weddingId: 'w1', meta: { timezone: 'Europe/Paris' }, vendors: VENDORS };
  const change = (data: Record<string, unknown>): OutboundChange => ({ op: 'upsert', entity: 'timeline', entityId: 'e1', externalId: null, data, version: null });
  const timeline = fc.record({ title: unicodeText(60).map((s) => s.trim()).filter((s) => s !== ''), location: unicodeText(40), notes: unicodeText(200) });
  const base = { start: '2027-06-12T15:00:00+02:00', end: '2027-06-12T16:00:00+02:00', category: 'ceremony', vendorIds: ['v1'] };

  it('Google Calendar and Outlook bodies (as JSON on the wire) carry the text back unchanged', () => {
    fc.assert(fc.property(timeline, (t) => {
      const out = outboundEvent(change({ ...base, ...t }), wedding);
      const google = JSON.parse(JSON.stringify(toGoogleEvent(out)));
      const g = toTimelineChange(fromGoogleEvent({ ...google, status: 'confirmed' }, 'Europe/Paris'), { weddingId: 'w1', options, zone: 'Europe/Paris' });
      expect(g && g.op === 'upsert' && { title: g.data.title, location: g.data.location, notes: g.data.notes }).toEqual(t);
      const graph = JSON.parse(JSON.stringify(toGraphEvent(out)));
      const o = toTimelineChange(fromGraphEvent({ ...graph, id: 'AAMk' }, 'Europe/Paris'), { weddingId: 'w1', options, zone: 'Europe/Paris' });
      expect(o && o.op === 'upsert' && { title: o.data.title, location: o.data.location, notes: o.data.notes }).toEqual(t);
    }), { numRuns: 200 });
  });

  it('clips external text to the schema limits between graphemes and writes lone surrogates as U+FFFD', () => {
    const long = (n: number) => fc.array(fc.constantFrom(...HARD_GRAPHEMES), { minLength: n, maxLength: n + 40 }).map((a) => a.join(''));
    fc.assert(fc.property(long(LIMITS.title), long(LIMITS.location), fc.nat(3), (title, location, k) => {
      const inbound = { externalId: 'x', key: null, cancelled: false, startMs: START, endMs: START + 1000, title: `a${title}`, location: `\uD83D${location}`, notes: '😀'.repeat(LIMITS.notes / 2 + k) };
      const c = toTimelineChange(inbound, { weddingId: 'w1', options, zone: 'Europe/Paris' });
      if (!c || c.op !== 'upsert') throw new Error('expected an upsert');
      const { title: t, location: l, notes: n } = c.data as { title: string; location: string; notes: string };
      expect(t).toBe(clipText(`a${title}`, LIMITS.title));
      expect(t.length).toBeLessThanOrEqual(LIMITS.title);
      expect(graphemeBoundaries(`a${title}`).has(t.length)).toBe(true);
      expect(l.startsWith('\uFFFD')).toBe(true);
      expect(l.length).toBeLessThanOrEqual(LIMITS.location);
      expect(wellFormed(l)).toBe(l);
      expect(n).toBe('😀'.repeat(LIMITS.notes / 2));
    }), { numRuns: 50 });
  });

  it('a 201-unit external title ending in an emoji is clipped before the emoji, not inside it', () => {
    const title = `${'x'.repeat(199)}😀`;
    const c = toTimelineChange({ externalId: 'x', key: null, cancelled: false, startMs: START, endMs: START, title }, { weddingId: 'w1', options, zone: 'UTC' });
    expect(c && c.op === 'upsert' && c.data.title).toBe('x'.repeat(199));
  });
});

describe('serializeCalendar', () => {
  it('ends every line with CRLF, the last included', () => {
    const cal = parseCalendar(toICalendar(event(), 0))!;
    const text = serializeCalendar(cal);
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });
});

describe('a served feed', () => {
  it('GET /calendar/<token>.ics with the issue\'s title, a wedding title holding a line break and emoji notes: valid UTF-8, lint-clean, read back whole', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const c = await t.connect('w1', planner);
    await c.whenSynced();
    c.doc.setMeta({ title: 'Zoë & Ana\nSummer 💍, 2027', date: '2027-06-12', timezone: 'Europe/London' });
    c.doc.upsertEvent({ id: 'ceremony', title: ISSUE_TITLE, start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', notes: 'Bring 😀' });
    c.doc.upsertEvent({ id: 'ceremony', notes: `Bring 😃\n${'👩‍👩‍👧‍👦'.repeat(12)}` });
    await c.whenAcknowledged();
    const res = await t.fetch('/api/calendar/feeds', { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: 'w1' }) });
    expect(res.status).toBe(201);
    const { url } = await res.json() as { url: string };
    const served = await t.fetch(new URL(url).pathname);
    expect(served.status).toBe(200);
    const bytes = new Uint8Array(await served.arrayBuffer());
    expect(lintICalendar(bytes)).toEqual([]);
    const ics = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    const ev = inboundFromCalendar(parseCalendar(ics)!, 'x', 'Europe/London')!;
    expect(ev.title).toBe(ISSUE_TITLE);
    expect(ev.notes).toBe(`Bring 😃\n${'👩‍👩‍👧‍👦'.repeat(12)}`);
    const independent = convertIcsCalendar(undefined, ics);
    expect(independent.events![0]!.summary).toBe(ISSUE_TITLE);
    expect(unescapeText(independent.name ?? '')).toBe('Zoë & Ana\nSummer 💍, 2027');
  });
});
