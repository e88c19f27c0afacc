import { describe, expect, it } from 'vitest';
import { AdapterError, type InboundChange } from '../../adapters/core/index.ts';
import { allPresets, changesFromCsvRow, changesFromTrigger, checkCsvHeader, parsePreset, presetFor, type EngineOptions } from '../../adapters/presets/index.ts';
import type { Preset } from '../../adapters/presets/schema.ts';
import { GuestsPatch, PaymentInput, TimelineEventInput, TimelineEventPatch, VendorInput, WeddingMetaPatch } from '../../schema/document/entities.ts';

/** Every system issue 13 names as connecting through a preset. */
const REQUIRED = [
  'honeybook', 'dubsado', 'studio-ninja', '17hats', 'sprout-studio', 'pixieset', 'shootq', 'iris-works', 'aisle-planner',
  'planning-pod', 'catertrax', 'gather', 'flowermate', 'team-flower', 'the-knot-pro',
];

const OPTIONS: EngineOptions = { timeZone: 'America/Chicago', vendorId: 'v_studio' };

/** What a created entity must satisfy: an upsert that creates a record carries what its Input schema requires. */
function expectValid(change: InboundChange, preset: Preset): void {
  if (change.op !== 'upsert' && change.op !== 'delete') throw new Error(`unexpected ${change.op}`);
  expect(change.reference, `${preset.system}: every change carries the reference`).toMatch(/\S/);
  expect(change.externalId.startsWith(`${change.reference}:${change.entity}`)).toBe(true);
  if (change.op === 'delete') return;
  const d = change.data;
  const schema = {
    meta: WeddingMetaPatch,
    guests: GuestsPatch,
    timeline: 'title' in d && 'start' in d ? TimelineEventInput : TimelineEventPatch,
    payments: 'amount' in d ? PaymentInput : PaymentInput.partial(),
    vendors: 'name' in d ? VendorInput : VendorInput.partial(),
  }[change.entity];
  const parsed = schema.safeParse(change.entity === 'timeline' || change.entity === 'vendors' || change.entity === 'payments' ? { id: 'x', ...d } : d);
  expect(parsed.success, `${preset.system} ${change.entity}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  if (change.entity === 'payments' && 'amount' in d) expect(d.vendorId).toBe('v_studio');
}

describe('preset files', () => {
  const presets = allPresets();

  it('cover every system the issue names, each valid and connecting some honest way', () => {
    for (const system of REQUIRED) expect(presets.has(system), system).toBe(true);
    for (const p of presets.values()) {
      expect(p.connects.length).toBeGreaterThan(0);
      expect(p.triggers.length + (p.csv ? 1 : 0), `${p.system} has something to map`).toBeGreaterThan(0);
    }
  });

  it('use the systems\' public trigger names', () => {
    const names = (s: string) => presetFor(s).triggers.filter((t) => t.source === 'public').map((t) => t.name);
    expect(names('honeybook')).toEqual(expect.arrayContaining(['New Project Booked', 'New Payment Paid']));
    expect(names('dubsado')).toEqual(expect.arrayContaining(['Contract Signed', 'Project Status Updated']));
    for (const p of presets.values()) for (const t of p.triggers) if (t.source === 'guess') expect(t.note, `${p.system} ${t.id} says why it is a guess`).toMatch(/\S/);
  });

  it('point Pixieset at the calendar it syncs to', () => {
    expect(presetFor('pixieset').connects).toContainEqual(expect.objectContaining({ kind: 'calendar_feed', adapter: 'google-calendar' }));
  });

  for (const preset of presets.values()) {
    describe(preset.system, () => {
      for (const trigger of preset.triggers) {
        it(`maps the example of "${trigger.name}" to valid changes`, () => {
          const changes = changesFromTrigger(preset, trigger.id, trigger.example, OPTIONS);
          expect(changes.length).toBeGreaterThan(0);
          for (const c of changes) expectValid(c, preset);
          // The system's own name finds the trigger as well as our id.
          expect(changesFromTrigger(preset, trigger.name, trigger.example, OPTIONS)).toEqual(changes);
        });
      }
      if (preset.csv) {
        it('maps its CSV example rows to valid changes, and its header is complete', () => {
          for (const row of preset.csv!.example) {
            expect(checkCsvHeader(preset, Object.keys(row)).missing).toEqual([]);
            const changes = changesFromCsvRow(preset, row, OPTIONS);
            expect(changes.length).toBeGreaterThan(0);
            for (const c of changes) expectValid(c, preset);
          }
        });
      }
    });
  }
});

describe('preset engine', () => {
  const honeybook = presetFor('honeybook');
  const booked = honeybook.triggers.find((t) => t.id === 'new_project_booked')!;

  it('reads HoneyBook "New Project Booked" into the wedding, its guests, the coverage and the contract', () => {
    const changes = changesFromTrigger(honeybook, 'New Project Booked', booked.example, { timeZone: 'America/Los_Angeles', vendorId: 'v1' });
    const by = (entity: string) => changes.find((c) => c.op === 'upsert' && c.entity === entity) as Extract<InboundChange, { op: 'upsert' }>;
    expect(by('meta').data).toEqual({ title: 'Jane & John', date: '2026-06-13', venue: 'Rosewood Barn, Napa', status: 'booked' });
    expect(by('meta').hints).toEqual({ date: '2026-06-13', text: 'Jane & John', venue: 'Rosewood Barn, Napa', timeZone: 'America/Los_Angeles' });
    expect(by('meta').reference).toBe('5f9a1c2e7b3d');
    expect(by('guests').data).toEqual({ count: 120 });
    expect(by('timeline').data).toMatchObject({ start: '2026-06-13T15:00:00-07:00', end: '2026-06-13T23:00:00-07:00' });
    expect(by('payments').data).toMatchObject({ amount: 850000, currency: 'USD', vendorId: 'v1' });
    expect(by('payments').externalId).toBe('5f9a1c2e7b3d:payments:contract');
  });

  it('gives what docs/adapters.md says for its worked example (Light Blue, a London studio)', () => {
    const lightBlue = presetFor('light-blue');
    const changes = changesFromTrigger(lightBlue, 'new_enquiry', lightBlue.triggers[0]!.example, { vendorId: 'photo' });
    expect(changes.map((c) => c.op === 'upsert' ? [c.entity, c.externalId, c.reference] : c.op)).toEqual([
      ['meta', 'LB-2291:meta', 'LB-2291'], ['timeline', 'LB-2291:timeline:coverage', 'LB-2291'], ['payments', 'LB-2291:payments:quote', 'LB-2291'],
    ]);
    const data = changes.map((c) => (c.op === 'upsert' ? c.data : {}));
    expect(data[0]).toEqual({ title: 'Harriet Jones & Tom Evans', date: '2026-09-12', venue: 'Oakwood Manor', status: 'inquiry' });
    expect(data[1]).toMatchObject({ start: '2026-09-12T13:00:00+01:00', end: '2026-09-12T21:00:00+01:00' });
    expect(data[2]).toMatchObject({ amount: 215000, currency: 'GBP', vendorId: 'photo', status: 'planned' });
  });

  it('reads Dubsado statuses through its table, case-insensitively', () => {
    const dubsado = presetFor('dubsado');
    const example = dubsado.triggers.find((t) => t.id === 'project_status_updated')!.example;
    const status = (s: string) => {
      const [c] = changesFromTrigger(dubsado, 'project_status_updated', { ...example, status: s }, OPTIONS);
      return c && c.op === 'upsert' ? c.data.status : undefined;
    };
    expect(status('Job')).toBe('booked');
    expect(status('  lead ')).toBe('inquiry');
    expect(status('ARCHIVED')).toBe('completed');
    // A status the table does not name leaves the wedding's alone (no change at all here).
    expect(status('Editing Photos')).toBeUndefined();
  });

  it('refuses an unknown trigger, a payload without its reference and a value that does not read, naming them', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(AdapterError);
        return error as AdapterError;
      }
      throw new Error('expected an error');
    };
    expect(err(() => changesFromTrigger(honeybook, 'Project Deleted', {})).message).toMatch(/no trigger "Project Deleted".*new_project_booked/);
    expect(err(() => changesFromTrigger(honeybook, 'new_project_booked', [])).code).toBe('invalid_payload');
    expect(err(() => changesFromTrigger(honeybook, 'new_project_booked', { ...booked.example, project_id: '' }, OPTIONS)).message).toMatch(/project_id/);
    const badMoney = err(() => changesFromTrigger(honeybook, 'new_project_booked', { ...booked.example, total_project_value: 'lots' }, OPTIONS));
    expect(badMoney.code).toBe('invalid_payload');
    expect(badMoney.message).toMatch(/payments\.amount .*total_project_value.*"lots" is not an amount/);
    expect(err(() => changesFromTrigger(honeybook, 'new_project_booked', { ...booked.example, event_date: '2026-02-30' }, OPTIONS)).message).toMatch(/not a date/);
    // Wall times need a zone: neither the preset nor the connection names one.
    expect(err(() => changesFromTrigger(honeybook, 'new_project_booked', booked.example, {})).message).toMatch(/no time zone/);
    // An end given only as a clock time on the start's date, before the start, is the next day's
    // (an explicit end before its start is refused: preset-end-next-day.test.ts).
    const overnight = changesFromTrigger(honeybook, 'new_project_booked', { ...booked.example, event_end_time: '1:00 AM' }, OPTIONS).find((c) => c.op === 'upsert' && c.entity === 'timeline');
    expect(overnight?.op === 'upsert' && overnight.data.end).toBe('2026-06-14T01:00:00-05:00');
  });

  it('refuses a CSV header missing a required column and names unknown ones', () => {
    expect(checkCsvHeader(honeybook, ['Project Name', 'Mood'])).toEqual({ missing: ['Project ID'], unknown: ['Mood'] });
  });

  it('validates preset files, listing every problem', () => {
    expect(() => parsePreset({ system: 'Bad Name', name: 'x', category: 'crm', connects: [] })).toThrow(/system: .*category: .*connects/);
    const dup = { ...honeybook, triggers: [honeybook.triggers[0], honeybook.triggers[0]] };
    expect(() => parsePreset(dup)).toThrow(/duplicate trigger id/);
  });
});
