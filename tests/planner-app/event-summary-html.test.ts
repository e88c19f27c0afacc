import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../schema/index.ts';
import { eventSummaryHtml, type EventSummaryInput } from '../../client/app/src/timeline/event-summary-html.ts';
import type { Peer } from '../../client/app/src/presence/use-presence.ts';

const event: TimelineEvent = {
  id: 'evt_1', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00', location: 'Chapel',
  category: 'ceremony', vendorIds: [], notes: 'Rings with the best man.', order: 0, links: {},
};
const row = (over: Partial<EventSummaryInput> = {}): EventSummaryInput => ({
  event, index: 1, count: 3, timeZone: 'Europe/London', date: '2026-06-13', vendorNames: 'Lens & Light', editors: [],
  readOnly: false, readOnlyNoteId: 'read-only-note', open: false, ...over,
});
const peer = (name: string, color: string): Peer => ({ clientId: 7, user: { id: 'u', name, role: 'planner', color }, editing: 'evt_1', self: false });
const parse = (html: string) => {
  const tags = [...html.matchAll(/<([a-z0-9]+)/g)].map((m) => m[1]);
  return { tags, text: html.replace(/<[^>]*>/g, '') };
};

describe('a timeline row as HTML', () => {
  it('shows the zone’s clock times, the title, category, place, vendors and notes, with the actions the list handles', () => {
    const html = eventSummaryHtml(row());
    expect(html).toContain('<time datetime="2026-06-13T14:00:00+01:00">14:00</time>');
    expect(html).toContain('<time datetime="2026-06-13T14:45:00+01:00">14:45</time>');
    expect(html).toContain('<h3 id="event-evt_1-title" class="event-title">Ceremony</h3>');
    expect(html).toContain('<span>Lens &amp; Light</span>');
    expect(html).toContain('<span class="sr-only">Notes: </span>Rings with the best man.');
    expect([...html.matchAll(/data-action="(\w+)"/g)].map((m) => m[1])).toEqual(['open', 'up', 'down', 'delete']);
    expect(html).toContain('aria-expanded="false" data-action="open">Edit<span class="sr-only"> Ceremony</span>');
    expect(html).not.toContain('disabled');
  });

  it('escapes every value from the document and from peers, so none becomes markup', () => {
    const evil = '<img src=x onerror=alert(1)>"\'&';
    const html = eventSummaryHtml(row({
      event: { ...event, id: 'evt_"x', title: evil, location: evil, notes: evil, start: `"${evil}` },
      vendorNames: evil, external: evil, editors: [peer(evil, '#c2410c')],
    }));
    const { tags } = parse(html);
    expect(tags).not.toContain('img');
    expect(html).not.toMatch(/<img|onerror=alert\(1\)>|id="event-evt_"x/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
    expect(html).toContain('--:--');
  });

  it('passes on a peer’s colour only when it is a hex colour, and never as a style attribute (the CSP blocks those)', () => {
    expect(eventSummaryHtml(row({ editors: [peer('Sam', '#c2410c')] }))).toContain('<span class="presence-chip" data-chip-color="#c2410c">Sam is editing</span>');
    const html = eventSummaryHtml(row({ editors: [peer('Sam', 'red; background: url(https://evil.example/)')] }));
    expect(html).toContain('<span class="presence-chip">Sam is editing</span>');
    expect(html).not.toContain('evil.example');
    expect(html).not.toContain('style=');
  });

  it('disables what cannot be used: the first row’s ↑, the last row’s ↓, every change when read-only', () => {
    const first = eventSummaryHtml(row({ index: 0 }));
    expect(first).toMatch(/data-action="up" disabled=""/);
    expect(first).not.toMatch(/data-action="down" disabled/);
    expect(eventSummaryHtml(row({ index: 2 }))).toMatch(/data-action="down" disabled=""/);
    const readOnly = eventSummaryHtml(row({ readOnly: true }));
    expect(readOnly).toContain('data-action="open">View');
    expect(readOnly.match(/disabled="" aria-describedby="read-only-note"/g)).toHaveLength(3);
  });

  it('dates an event on another day than the wedding and flags an end on a later day; an open row leaves its notes to the form', () => {
    const late = eventSummaryHtml(row({ event: { ...event, start: '2026-06-13T23:30:00+01:00', end: '2026-06-14T01:00:00+01:00' } }));
    expect(late).toContain('<span class="next-day" title="ends the next day"> +1d</span>');
    const next = eventSummaryHtml(row({ event: { ...event, start: '2026-06-14T00:30:00+01:00', end: '2026-06-14T01:00:00+01:00' } }));
    expect(next).toContain('<span class="event-date">Sun 14 Jun </span>');
    const open = eventSummaryHtml(row({ open: true }));
    expect(open).not.toContain('event-notes');
    expect(open).toContain('aria-expanded="true"');
  });
});
