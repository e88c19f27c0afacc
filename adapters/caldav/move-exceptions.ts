import ICAL from 'ical.js';
import { instantOf, offsetMinutes, wallTimeOf, wallTimeUnder, type WallTime } from '../core/calendar-time.ts';
import { readTime, readTimeValue, type ReadTime } from '../core/recurrence.ts';
import { ianaZoneFor } from '../core/vtimezone-rules.ts';

/**
 * When our push moves a recurring series (its DTSTART changes), the instances the owner cancelled
 * (EXDATE), added (RDATE) or overrode (RECURRENCE-ID) must move with it. RFC 5545 §3.8.5.1,
 * §3.8.5.2 and §3.8.4.4 match those values to the occurrences' instants, and the occurrences are
 * wall-clock times in the series' zone (§3.3.10): a weekly 10:00 London series stays at 10:00
 * across the clock change, so its occurrence moves by the change of *wall time*, and one step of
 * the series may be 167 or 169 hours long. An exception written in UTC, in another zone or floating
 * must therefore move by that same wall-clock change, not by the change of instant: a UTC EXDATE
 * moved by "11 days − 1 h" of instant across a DST change lands an hour away from every occurrence,
 * and the cancelled date comes back.
 *
 * Mechanism: each exception value is read as the occurrence it names (its wall time in the series'
 * old zone), put at the same distance in wall time from the new DTSTART (in the series' new zone),
 * and written back in the form it had: UTC stays UTC, a TZID keeps its TZID, floating stays
 * floating, a DATE moves by whole calendar days. Only a value no wall time of its own zone can name
 * (the second pass of a repeated hour in another zone than the series') is written in UTC instead.
 */

/** How a DATE or DATE-TIME value is written: a DATE, UTC (`Z`), in a TZID, or floating. */
type Form = { kind: 'date' } | { kind: 'utc' } | { kind: 'zoned'; tzid: string } | { kind: 'floating' };

const formKey = (f: Form) => (f.kind === 'zoned' ? `zoned:${f.tzid}` : f.kind);

function formOf(t: ICAL.Time, tzid: unknown): Form {
  if (t.isDate) return { kind: 'date' };
  if (t.zone === ICAL.Timezone.utcTimezone || t.zone?.tzid === 'UTC') return { kind: 'utc' };
  return typeof tzid === 'string' && tzid ? { kind: 'zoned', tzid } : { kind: 'floating' };
}

/**
 * A series' start, read: where it is (instant, and wall time in its zone), how it is written, and
 * the zone its floating values and dates are read in (the series' own zone, else the fallback), as
 * the expansion reads them (icalendar.ts `busyIntervals`).
 */
export interface SeriesStart { read: ReadTime; form: Form; floatingZone: string }

/** The DTSTART of a VEVENT as a `SeriesStart`; a floating DTSTART or a DATE is read in `fallbackZone`. */
export function seriesStartOf(vevent: ICAL.Component, cal: ICAL.Component, fallbackZone: string): SeriesStart | null {
  const prop = vevent.getFirstProperty('dtstart');
  const t = prop?.getFirstValue();
  const tzid = prop?.getParameter('tzid');
  const floatingZone = (typeof tzid === 'string' ? ianaZoneFor(tzid) : null) ?? fallbackZone;
  const read = readTime(prop, cal, floatingZone);
  return read && t instanceof ICAL.Time ? { read, form: formOf(t, tzid), floatingZone } : null;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const wallMs = (w: WallTime) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
const secondOfDay = (w: WallTime) => w.hour * 3600 + w.minute * 60 + w.second;
const dayNumber = (w: WallTime) => Math.floor(wallMs(w) / DAY);

/**
 * The wall time in `zone` that reads as the instant `ms`. Next to a DST gap two wall times do (RFC
 * 5545 §3.3.5 reads a time in the gap with the offset before it): the one at the series' own time
 * of day (`like`) is the occurrence the value names.
 */
function wallNaming(ms: number, zone: ReadTime['zone'], like: WallTime): WallTime {
  const offsetAt = (t: number) => (typeof zone !== 'string' ? zone.offsetAt(t) : zone === 'UTC' ? 0 : offsetMinutes(zone, t));
  const own = wallTimeUnder(ms, zone);
  const walls = [...new Set([offsetAt(ms - 14 * HOUR), offsetAt(ms), offsetAt(ms + 14 * HOUR)])]
    .map((o) => wallTimeOf(ms + o * 60_000, 'UTC'))
    .filter((w) => instantOf(w, zone) === ms);
  return walls.find((w) => secondOfDay(w) === secondOfDay(like)) ?? walls.find((w) => wallMs(w) === wallMs(own)) ?? walls[0] ?? own;
}

const timeOf = (w: WallTime, isDate = false): ICAL.Time => ICAL.Time.fromData({ year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute, second: w.second, isDate });
const utcTime = (ms: number): ICAL.Time => {
  const t = timeOf(wallTimeOf(ms, 'UTC'));
  t.zone = ICAL.Timezone.utcTimezone;
  return t;
};

/**
 * Moves every EXDATE, RDATE and RECURRENCE-ID of the series `master` (and the DTSTART/DTEND of an
 * override the owner had not moved) from the series starting at `from` to the series starting at
 * `to`, as the header says. Floating values are read in the old series' floating zone and written
 * for the new one's.
 */
export function moveExceptions(cal: ICAL.Component, master: ICAL.Component, from: SeriesStart, to: SeriesStart): void {
  if (formKey(from.form) === formKey(to.form) && wallMs(from.read.wall) === wallMs(to.read.wall) && from.read.isDate === to.read.isDate) return;
  const days = dayNumber(to.read.wall) - dayNumber(from.read.wall);

  /** One value moved, with the form it is to be written in. */
  const move = (t: ICAL.Time, tzid: unknown): { time: ICAL.Time; form: Form; ms: number } => {
    const form = formOf(t, tzid);
    const read = readTimeValue(t, tzid, cal, from.floatingZone);
    if (form.kind === 'date' && !(from.read.isDate && !to.read.isDate)) {
      const moved = t.clone();
      moved.adjust(days, 0, 0, 0);
      return { time: moved, form, ms: readTimeValue(moved, tzid, cal, to.floatingZone).ms };
    }
    // The occurrence it names, as wall time in the series' old zone; the same distance from the new start.
    const wall = formKey(form) === formKey(from.form) || form.kind === 'date' ? read.wall : wallNaming(read.ms, from.read.zone, from.read.wall);
    const movedWall = wallTimeOf(wallMs(to.read.wall) + (wallMs(wall) - wallMs(from.read.wall)), 'UTC');
    // A DATE of an all-day series we made timed names the occurrence on that day: written as the series now is.
    const target = form.kind === 'date' ? to.form : form;
    const ms = instantOf(movedWall, to.read.zone);
    if (formKey(target) === formKey(to.form)) return { time: to.form.kind === 'utc' ? utcTime(ms) : timeOf(movedWall), form: target, ms };
    if (target.kind === 'utc') return { time: utcTime(ms), form: target, ms };
    const zone = target.kind === 'floating' ? to.floatingZone : read.zone;
    const own = wallTimeUnder(ms, zone);
    return instantOf(own, zone) === ms ? { time: timeOf(own), form: target, ms } : { time: utcTime(ms), form: { kind: 'utc' }, ms };
  };

  const write = (prop: ICAL.Property, values: unknown[], form: Form) => {
    if (values.length === 1 && !prop.isMultiValue) prop.setValue(values[0] as ICAL.Time);
    else prop.setValues(values as ICAL.Time[]);
    if (form.kind === 'zoned') prop.setParameter('tzid', form.tzid);
    else prop.removeParameter('tzid');
    if (form.kind !== 'date' && !values.some((v) => v instanceof ICAL.Period)) prop.removeParameter('value');
  };

  /** Moves each value of a property; values that end up in different forms go to properties of their own. */
  const shiftProperty = (owner: ICAL.Component, prop: ICAL.Property) => {
    const tzid = prop.getParameter('tzid');
    const groups = new Map<string, { form: Form; values: unknown[] }>();
    for (const value of prop.getValues() as unknown[]) {
      let moved: { value: unknown; form: Form } | null = null;
      if (value instanceof ICAL.Time) {
        const m = move(value, tzid);
        moved = { value: m.time, form: m.form };
      } else if (value instanceof ICAL.Period) {
        const start = move(value.start, tzid);
        const end = value.end ? move(value.end, tzid) : null;
        // Both ends of a period share the property's form: UTC when one of them cannot keep it.
        const utc = !!end && formKey(end.form) !== formKey(start.form);
        const [s, e] = utc ? [utcTime(start.ms), utcTime(end.ms)] : [start.time, end?.time];
        moved = { value: ICAL.Period.fromData({ start: s, ...(e ? { end: e } : { duration: value.duration }) } as ICAL.Period), form: utc ? { kind: 'utc' } : start.form };
      }
      if (!moved) continue;
      const key = formKey(moved.form);
      const group = groups.get(key) ?? { form: moved.form, values: [] };
      group.values.push(moved.value);
      groups.set(key, group);
    }
    [...groups.values()].forEach((g, i) => {
      if (i === 0) return write(prop, g.values, g.form);
      const extra = new ICAL.Property(prop.name);
      write(extra, g.values, g.form);
      owner.addProperty(extra);
    });
  };

  for (const name of ['exdate', 'rdate']) for (const prop of master.getAllProperties(name)) shiftProperty(master, prop);
  const uid = master.getFirstPropertyValue('uid');
  for (const override of cal.getAllSubcomponents('vevent')) {
    const rid = override.getFirstProperty('recurrence-id');
    if (!rid || override.getFirstPropertyValue('uid') !== uid) continue;
    const start = override.getFirstProperty('dtstart');
    const unmoved = !!start && readTime(start, cal, from.floatingZone)?.ms === readTime(rid, cal, from.floatingZone)?.ms;
    shiftProperty(override, rid);
    if (unmoved) {
      shiftProperty(override, start!);
      const end = override.getFirstProperty('dtend');
      if (end) shiftProperty(override, end);
    }
  }
}
