/**
 * Wall time ↔ instant in an IANA zone for the sandboxes, from the platform's tz database. Kept apart
 * from calendar-time.ts on purpose: a sandbox stands in for a real server and must not borrow the
 * product's own time arithmetic, or tests could not tell the two apart.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    } catch {
      f = formatter('UTC');
    }
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's wall clock at `ms`, as milliseconds of a UTC date with the same fields. */
export function sandboxWallMs(ms: number, zone: string): number {
  const p = Object.fromEntries(formatter(zone).formatToParts(new Date(ms)).filter((x) => x.type !== 'literal').map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** The instant of a wall time (given as UTC-date milliseconds) in `zone`; the earlier one in an overlap. */
export function sandboxInstant(wall: number, zone: string): number {
  const offsetAt = (ms: number) => sandboxWallMs(Math.floor(ms / 1000) * 1000, zone) - Math.floor(ms / 1000) * 1000;
  const candidates = [offsetAt(wall - 86_400_000), offsetAt(wall + 86_400_000)].map((o) => wall - o).filter((t) => sandboxWallMs(t, zone) === wall);
  return candidates.length ? Math.min(...candidates) : wall - offsetAt(wall - 86_400_000);
}

/** `2027-06-12T10:00:00-04:00`: how Google writes a dateTime in an event's zone. */
export function sandboxIso(ms: number, zone: string): string {
  const wall = sandboxWallMs(ms, zone);
  const off = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  const abs = Math.abs(off);
  return `${new Date(wall).toISOString().slice(0, 19)}${off < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
