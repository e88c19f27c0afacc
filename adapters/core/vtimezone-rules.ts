import ICAL from 'ical.js';
import { findIana } from 'windows-iana';
import { isKnownTimeZone, type ZoneRules } from './calendar-time.ts';

/**
 * The offsets a VTIMEZONE defines (RFC 5545 §3.6.5), as `ZoneRules`, for TZIDs the tz database does
 * not know (Outlook's "Eastern Standard Time", "/mozilla.org/…/Europe/London", "Wedding Local").
 *
 * NOTE: ical.js' own `Timezone.utcOffset` reads a wall time in the repeated hour as its *second*
 * occurrence (it prefers standard time), where RFC 5545 §3.3.5 wants the first; and its recurrence
 * iterator compares a floating DTSTART with a UTC UNTIL as if both were UTC. So the onsets are
 * expanded here with ical.js' RRULE iterator, UNTIL is applied by instant, and `instantOf` makes the
 * RFC's choice for gaps and overlaps.
 */

interface Onset { at: number; from: number; to: number }

const wallMs = (t: ICAL.Time) => Date.UTC(t.year, t.month - 1, t.day, t.isDate ? 0 : t.hour, t.isDate ? 0 : t.minute, t.isDate ? 0 : t.second);
const isUtc = (t: ICAL.Time) => t.zone === ICAL.Timezone.utcTimezone || t.zone?.tzid === 'UTC';
/** Onsets per observance at most: a yearly rule from 1900 to the covered year is far below. */
const MAX_ONSETS = 5000;

class VTimezoneRules implements ZoneRules {
  private onsets: Onset[] = [];
  private coveredUntilYear = -Infinity;

  constructor(readonly id: string, private readonly observances: ICAL.Component[]) {}

  offsetAt(ms: number): number {
    this.cover(new Date(ms).getUTCFullYear() + 1);
    const list = this.onsets;
    if (list.length === 0) return 0;
    // Before the first onset the zone keeps that onset's TZOFFSETFROM (RFC 5545 §3.6.5).
    if (ms < list[0]!.at) return list[0]!.from;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid]!.at <= ms) lo = mid; else hi = mid - 1;
    }
    return list[lo]!.to;
  }

  /** Expands every observance's DTSTART, RDATEs and RRULE up to the end of `year`. */
  private cover(year: number): void {
    if (year <= this.coveredUntilYear) return;
    const horizon = Date.UTC(year + 1, 0, 1);
    const out: Onset[] = [];
    for (const obs of this.observances) {
      const start = obs.getFirstPropertyValue('dtstart');
      const fromValue = obs.getFirstPropertyValue('tzoffsetfrom');
      const toValue = obs.getFirstPropertyValue('tzoffsetto');
      if (!(start instanceof ICAL.Time) || !(fromValue instanceof ICAL.UtcOffset) || !(toValue instanceof ICAL.UtcOffset)) continue;
      const from = Math.round(fromValue.toSeconds() / 60);
      const to = Math.round(toValue.toSeconds() / 60);
      // Onsets are wall times in the offset before them.
      const onsetOf = (t: ICAL.Time) => (isUtc(t) ? wallMs(t) : wallMs(t) - from * 60_000);
      out.push({ at: onsetOf(start), from, to });
      for (const rdate of obs.getAllProperties('rdate')) {
        for (const v of rdate.getValues()) {
          const t = v instanceof ICAL.Period ? v.start : v;
          if (t instanceof ICAL.Time) out.push({ at: onsetOf(t), from, to });
        }
      }
      for (const rrule of obs.getAllProperties('rrule')) {
        const recur = rrule.getFirstValue();
        if (!(recur instanceof ICAL.Recur)) continue;
        const rule = recur.clone();
        const until = rule.until ? (isUtc(rule.until) ? wallMs(rule.until) : rule.until.isDate ? wallMs(rule.until) + 86_399_000 - from * 60_000 : onsetOf(rule.until)) : Infinity;
        rule.until = null;
        const it = rule.iterator(start.clone());
        for (let n = 0, next = it.next(); next && n < MAX_ONSETS; n++, next = it.next()) {
          const at = onsetOf(next);
          if (at > until || at >= horizon) break;
          out.push({ at, from, to });
        }
      }
    }
    const unique = new Map<number, Onset>();
    for (const o of out) unique.set(o.at, o);
    this.onsets = [...unique.values()].sort((a, b) => a.at - b.at);
    this.coveredUntilYear = year;
  }
}

/** The rules of one VTIMEZONE component. */
export function vtimezoneRules(vtz: ICAL.Component): ZoneRules {
  const id = String(vtz.getFirstPropertyValue('tzid') ?? '');
  return new VTimezoneRules(id, [...vtz.getAllSubcomponents('standard'), ...vtz.getAllSubcomponents('daylight')]);
}

/** An IANA zone for a zone name: itself when the tz database knows it, else a Windows name mapped by CLDR (windows-iana). */
export function ianaZoneFor(name: string | null | undefined): string | null {
  if (!name) return null;
  if (isKnownTimeZone(name)) return name;
  const mapped = findIana(name).find((z) => isKnownTimeZone(z));
  return mapped ?? null;
}

/**
 * How to read a TZID in `cal`: the tz database for IANA names; the calendar's own VTIMEZONE for any
 * other name it defines (the author's rules win over our guess); a Windows name through CLDR's
 * mapping when no VTIMEZONE came with it; null when nothing defines it.
 */
export function zoneForTzid(tzid: string, cal: ICAL.Component): string | ZoneRules | null {
  if (isKnownTimeZone(tzid)) return tzid;
  const vtz = cal.getAllSubcomponents('vtimezone').find((c) => c.getFirstPropertyValue('tzid') === tzid);
  if (vtz) return cachedRules(vtz);
  return ianaZoneFor(tzid);
}

const rulesCache = new WeakMap<ICAL.Component, ZoneRules>();
function cachedRules(vtz: ICAL.Component): ZoneRules {
  let r = rulesCache.get(vtz);
  if (!r) {
    r = vtimezoneRules(vtz);
    rulesCache.set(vtz, r);
  }
  return r;
}
