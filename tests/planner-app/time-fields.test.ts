import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nearestWallTime } from '../../client/app/src/timeline/zoned-time.ts';

const SRC = new URL('../../client/app/src/', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

/** Lines (1-based) with a native control Chromium draws on the browser's clock (`02:00 PM` in en-US); comments aside. */
export function nativeTimeControls(text: string): number[] {
  return text.split('\n').flatMap((line, i) => (!/^\s*(\/\/|\/?\*)/.test(line) && /type=["{']*(time|datetime-local)\b|type:\s*['"](time|datetime-local)['"]/.test(line) ? [i + 1] : []));
}

describe('every time of a wedding is typed in ui/time-field.tsx', () => {
  it('finds no native time or datetime-local input in client/app/src (issue 14)', () => {
    const found = sourceFiles(SRC).flatMap((file) => nativeTimeControls(readFileSync(file, 'utf8')).map((line) => `${relative(SRC, file)}:${line}`));
    expect(found).toEqual([]);
  });

  it('catches the spellings it is meant to', () => {
    expect(nativeTimeControls('<input type="time" />\n<input type="datetime-local" value={v} />\n<input type={\'time\'} />\n{ type: \'time\' }')).toEqual([1, 2, 3, 4]);
    expect(nativeTimeControls('<input type="text" />\n<input type="date" />\n// not <input type="time">\n * nor `type="datetime-local"`')).toEqual([]);
  });
});

describe('a new time of day for an event, nearest its current start (nearestWallTime)', () => {
  const london = 'Europe/London';
  it('is the evening before for an event after midnight, and the night after for one before it', () => {
    // Late snacks at 00:30 BST on Sunday 13 June: 23:45 is Saturday evening, 01:00 is Sunday.
    expect(nearestWallTime('23:45', '2027-06-12T23:30:00Z', london)).toBe('2027-06-12T23:45:00+01:00');
    expect(nearestWallTime('01:00', '2027-06-12T23:30:00Z', london)).toBe('2027-06-13T01:00:00+01:00');
    // Dancing at 23:30 BST on Saturday: 00:15 is Sunday.
    expect(nearestWallTime('00:15', '2027-06-12T22:30:00Z', london)).toBe('2027-06-13T00:15:00+01:00');
    expect(nearestWallTime('15:30', '2027-06-12T13:45:00Z', london)).toBe('2027-06-12T15:30:00+01:00');
  });

  it('resolves daylight-saving days as the event form does: a skipped time moves on, a repeated one is its first', () => {
    // 28 March 2027: 01:00 GMT becomes 02:00 BST; 01:30 does not happen and becomes 02:30 BST.
    expect(nearestWallTime('01:30', '2027-03-28T00:30:00Z', london)).toBe('2027-03-28T02:30:00+01:00');
    // 31 October 2027: 02:00 BST becomes 01:00 GMT; 01:30 happens twice and is the first (BST).
    expect(nearestWallTime('01:30', '2027-10-31T00:45:00Z', london)).toBe('2027-10-31T01:30:00+01:00');
    // The day after the 25-hour day: calendar days, not 24-hour steps.
    expect(nearestWallTime('00:10', '2027-10-31T23:30:00Z', london)).toBe('2027-11-01T00:10:00+00:00');
    expect(nearestWallTime('23:50', '2027-11-01T00:10:00Z', london)).toBe('2027-10-31T23:50:00+00:00');
  });

  it('is null for what is not HH:MM or an anchor that is not an instant', () => {
    expect(nearestWallTime('2:30 pm', '2027-06-12T13:45:00Z', london)).toBeNull();
    expect(nearestWallTime('14:30', 'soon', london)).toBeNull();
  });
});
