import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dateTimeLabel, zonedDateTimeLabel } from '../../client/app/src/ui/labels.ts';
import { offlineCopyNotice } from '../../client/app/src/wedding/copy-age.ts';

/**
 * A lint for one kind of bug (trial 23, stumble 6): a time of a wedding shown in the device's zone
 * next to "times in Europe/London". docs/planner-app.md: every time is in the wedding's zone, the
 * viewer's own zone is never used. Every date formatting call in the app must name its zone.
 */
const SRC = new URL('../../client/app/src/', import.meta.url).pathname;

/** file → why a zone-less call there is right. Keep it short; each entry needs a reason. */
const ALLOWED: Readonly<Record<string, string>> = {
  'timeline/zoned-time.ts': 'deviceTimeZone() reads the device zone itself (resolvedOptions), only for pages of no wedding and a new wedding\'s default zone',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** The zone-less date formatting calls of a source text, as `line: text`. */
export function zonelessCalls(text: string): string[] {
  const out: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    // Date#toLocaleString/-DateString/-TimeString; toLocaleLowerCase/UpperCase are string methods.
    const locale = /\.toLocale(String|DateString|TimeString)\(([^)]*)\)/.exec(line);
    if (locale && !/timeZone/.test(locale[2] ?? '')) out.push(`${i + 1}: ${line.trim()}`);
    if (/Intl\.DateTimeFormat\(/.test(line)) {
      // The options may run onto the next lines of the call.
      const call = lines.slice(i, i + 4).join(' ');
      const args = call.slice(call.indexOf('Intl.DateTimeFormat(')).split(').')[0] ?? '';
      if (!/timeZone/.test(args)) out.push(`${i + 1}: ${line.trim()}`);
    }
    if (/\.get(Hours|Minutes|Date|Day|Month|FullYear)\(\)|toTimeString\(|toDateString\(/.test(line)) out.push(`${i + 1}: ${line.trim()}`);
  });
  return out;
}

describe('every time the app shows names its zone', () => {
  it('finds no date formatting call without a timeZone in client/app/src (outside the allow-list)', () => {
    const found = sourceFiles(SRC).flatMap((path) => {
      const file = relative(SRC, path);
      if (ALLOWED[file]) return [];
      return zonelessCalls(readFileSync(path, 'utf8')).map((hit) => `${file}:${hit}`);
    });
    expect(found).toEqual([]);
  });

  it('catches the kinds of call it is meant to', () => {
    expect(zonelessCalls("new Intl.DateTimeFormat('en-GB', { hour: '2-digit' }).format(ms)")).toHaveLength(1);
    expect(zonelessCalls("new Intl.DateTimeFormat('en-GB', {\n  hour: '2-digit',\n}).format(ms)")).toHaveLength(1);
    expect(zonelessCalls('d.toLocaleTimeString()')).toHaveLength(1);
    expect(zonelessCalls('d.getHours()')).toHaveLength(1);
    expect(zonelessCalls("new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit' }).format(ms)")).toEqual([]);
    expect(zonelessCalls("d.toLocaleString('en-GB', { timeZone: zone })")).toEqual([]);
    expect(zonelessCalls('name.toLocaleLowerCase()')).toEqual([]);
  });

  it('shows an instant in the zone it is given, not the device\'s', () => {
    // 16:56 UTC on 1 Dec 2026: 16:56 in London, 11:56 in New York.
    expect(dateTimeLabel('2026-12-01T16:56:00Z', 'Europe/London')).toBe('1 Dec 2026, 16:56');
    expect(dateTimeLabel('2026-12-01T16:56:00Z', 'America/New_York')).toBe('1 Dec 2026, 11:56');
    // On a page no wedding's zone frames (a business's connections), the zone is named.
    expect(zonedDateTimeLabel('2026-12-01T16:56:00Z', 'America/New_York')).toBe('1 Dec 2026, 11:56 (America/New_York time)');
    expect(zonedDateTimeLabel(null, 'UTC')).toBe('—');
    expect(offlineCopyNotice(Date.parse('2026-12-01T16:56:00Z'), null, 'Europe/London', Date.parse('2026-12-01T16:57:00Z')))
      .toContain('as of 16:56');
  });
});
