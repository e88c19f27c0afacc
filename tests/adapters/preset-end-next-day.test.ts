import { describe, expect, it } from 'vitest';
import { AdapterError, type InboundChange } from '../../adapters/core/index.ts';
import { allPresets, changesFromCsvRow, changesFromTrigger, parsePreset, presetFor } from '../../adapters/presets/index.ts';
import type { FieldMap, Preset, ValueSpec } from '../../adapters/presets/schema.ts';

const NY = { timeZone: 'America/New_York' };
const data = (changes: InboundChange[], entity: string) => {
  const c = changes.find((x) => x.op === 'upsert' && x.entity === entity);
  return c?.op === 'upsert' ? c.data : undefined;
};

/** Sets a dot path in a payload (the preset's paths), making objects on the way. */
function setPath(payload: Record<string, unknown>, path: string, value: string): void {
  if (Object.hasOwn(payload, path)) { payload[path] = value; return; }
  const keys = path.split('.');
  let at: Record<string, unknown> = payload;
  for (const k of keys.slice(0, -1)) at = (at[k] ??= {}) as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

/** Timeline records whose end is a clock time (`time`) on the start's own date column. */
function clockOnlyEnds(map: FieldMap): Array<{ from: string; startTime: string; endTime: string }> {
  const out = [];
  for (const r of map.records) {
    if (r.entity !== 'timeline') continue;
    const [start, end] = [r.fields.start, r.fields.end] as Array<ValueSpec | undefined>;
    if (typeof start !== 'object' || typeof end !== 'object' || start.as !== 'datetime' || end.as !== 'datetime') continue;
    if (start.from === end.from && start.time && end.time && end.time !== start.time && end.plusMinutes === undefined) out.push({ from: start.from, startTime: start.time, endTime: end.time });
  }
  return out;
}

describe('a timeline end given only as a clock time before the start is the next day', () => {
  it('CaterTrax: a reception from 6:00 PM to 12:30 AM ends on the 21st, and keeps its guests and payment', () => {
    const row = {
      'Order #': 'CT-1', 'Event Name': 'Reception', 'Event Date': '06/20/2026', 'Start Time': '6:00 PM', 'End Time': '12:30 AM',
      Location: 'Founders Hall', 'Guest Count': '135', 'Order Total': '9842.75', 'Order Status': 'Confirmed', Customer: 'Hannah & Leo',
    };
    const changes = changesFromCsvRow(presetFor('catertrax'), row, NY);
    expect(data(changes, 'timeline')).toMatchObject({ start: '2026-06-20T18:00:00-04:00', end: '2026-06-21T00:30:00-04:00' });
    expect(data(changes, 'guests')).toEqual({ count: 135 });
    expect(data(changes, 'payments')).toMatchObject({ amount: 984_275, currency: 'USD' });
  });

  it('Pixieset: a session from 4:00 PM to 1:00 AM ends the next day', () => {
    const row = {
      'Project ID': 'p', 'Project Name': 'x', Client: 'c', 'Event Date': '2026-09-12', 'Start Time': '4:00 PM', 'End Time': '1:00 AM',
      Location: 'L', Status: 'Booked', 'Invoice Total': '$3,900.00', 'Amount Paid': '$1,000.00',
    };
    expect(data(changesFromCsvRow(presetFor('pixieset'), row, NY), 'timeline')).toMatchObject({ start: '2026-09-12T16:00:00-04:00', end: '2026-09-13T01:00:00-04:00' });
  });

  it('holds for every preset, CSV row or trigger, whose end is a clock time on the start\'s date', () => {
    let seen = 0;
    for (const preset of allPresets().values()) {
      const maps: Array<{ map: FieldMap; example: Record<string, unknown>; read: (payload: Record<string, unknown>) => InboundChange[] }> = [
        ...(preset.csv ? preset.csv.example.map((example) => ({ map: preset.csv!.map, example, read: (p: Record<string, unknown>) => changesFromCsvRow(preset, p as Record<string, string>, NY) })) : []),
        ...preset.triggers.map((t) => ({ map: t.map, example: t.example, read: (p: Record<string, unknown>) => changesFromTrigger(preset, t.id, p, NY) })),
      ];
      for (const { map, example, read } of maps) {
        for (const { from, startTime, endTime } of clockOnlyEnds(map)) {
          const payload = structuredClone(example);
          setPath(payload, from, '2026-06-20');
          setPath(payload, startTime, '6:00 PM');
          setPath(payload, endTime, '12:30 AM');
          const timeline = read(payload).filter((c) => c.op === 'upsert' && c.entity === 'timeline').map((c) => (c.op === 'upsert' ? c.data : {}));
          expect(timeline, `${preset.system}`).toContainEqual(expect.objectContaining({ start: '2026-06-20T18:00:00-04:00', end: '2026-06-21T00:30:00-04:00' }));
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThanOrEqual(2);
  });

  it('reads the next day\'s wall clock across a DST change, and leaves an end equal to the start alone', () => {
    const row = (start: string, end: string) => ({
      'Order #': 'CT-2', 'Event Name': 'R', 'Event Date': '10/31/2026', 'Start Time': start, 'End Time': end, Location: 'H',
      'Guest Count': '10', 'Order Total': '10.00', 'Order Status': 'Confirmed', Customer: 'x',
    });
    // New York falls back at 02:00 on 1 November 2026: 01:30 happens twice, read as the first (EDT).
    expect(data(changesFromCsvRow(presetFor('catertrax'), row('8:00 PM', '1:30 AM'), NY), 'timeline')).toMatchObject({ end: '2026-11-01T01:30:00-04:00' });
    expect(data(changesFromCsvRow(presetFor('catertrax'), row('8:00 PM', '8:00 PM'), NY), 'timeline')).toMatchObject({ end: '2026-10-31T20:00:00-04:00' });
  });
});

describe('an explicit end before its start is still refused', () => {
  const preset: Preset = parsePreset({
    system: 'test-events', name: 'Test Events', category: 'wedding_planning', connects: [{ kind: 'csv', source: 'guess', note: 'test' }],
    defaults: { timeZone: 'America/New_York' },
    csv: {
      source: 'guess', note: 'test', columns: ['ID', 'Start', 'End', 'Start Date', 'Start Time', 'End Date', 'End Time'], required: ['ID'],
      example: [{ ID: '1', Start: '2026-06-20 18:00', End: '2026-06-20 20:00' }],
      map: {
        reference: 'ID',
        records: [
          { entity: 'timeline', id: { as: 'const', value: 'full' }, fields: { title: { as: 'const', value: 'x' }, start: { as: 'datetime', from: 'Start' }, end: { as: 'datetime', from: 'End' } } },
          { entity: 'timeline', id: { as: 'const', value: 'split' }, fields: {
            title: { as: 'const', value: 'y' }, start: { as: 'datetime', from: 'Start Date', time: 'Start Time' }, end: { as: 'datetime', from: 'End Date', time: 'End Time' },
          } },
        ],
      },
    },
  });
  const refusal = (row: Record<string, string>) => {
    try {
      changesFromCsvRow(preset, row);
    } catch (error) {
      if (error instanceof AdapterError) return error.message;
      throw error;
    }
    return 'accepted';
  };

  it('when the end is a full date-time', () => {
    expect(refusal({ ID: '1', Start: '2026-06-20 18:00', End: '2026-06-20 00:30' })).toMatch(/timeline\.end: end must not be before start/);
  });

  it('when the next day would make it longer than half a day (a typo: 6:00 PM to 5:00 PM)', () => {
    expect(refusal({ ID: '1', 'Start Date': '2026-06-20', 'Start Time': '6:00 PM', 'End Date': '2026-06-20', 'End Time': '5:00 PM' })).toMatch(/end must not be before start/);
  });

  it('when the end has a date column of its own', () => {
    expect(refusal({ ID: '1', 'Start Date': '2026-06-20', 'Start Time': '6:00 PM', 'End Date': '2026-06-20', 'End Time': '12:30 AM' })).toMatch(/end must not be before start/);
    expect(refusal({ ID: '1', 'Start Date': '2026-06-20', 'Start Time': '6:00 PM', 'End Date': '2026-06-21', 'End Time': '12:30 AM' })).toBe('accepted');
  });
});
