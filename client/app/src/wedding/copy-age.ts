import { relativeTime } from '../ui/labels.ts';

/**
 * When this device's copy of a wedding was last in sync with the server, so the wedding opened
 * offline can say how old it is ("as of 14:14, 6 minutes ago") as My schedule does. The IndexedDB
 * copy holds the document only, so the moment is kept beside it in localStorage, per person and
 * wedding (`wedsync.in-sync`: `{ "<personId>:<weddingId>": ms since the epoch }`). Signing out
 * removes it with the copies (account/forget-device.ts).
 */
const STORAGE_KEY = 'wedsync.in-sync';

function readAll(): Record<string, number> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** Records that the copy of `weddingId` agrees with the server now (`at`, ms since the epoch). */
export function markInSync(personId: string, weddingId: string, at = Date.now()): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...readAll(), [`${personId}:${weddingId}`]: at }));
  } catch {
    // Storage full or disabled: the offline view then says it cannot date its copy.
  }
}

/** When the copy of `weddingId` last agreed with the server (ms since the epoch), or null if never recorded. */
export function lastInSync(personId: string, weddingId: string): number | null {
  const at = readAll()[`${personId}:${weddingId}`];
  return typeof at === 'number' && Number.isFinite(at) ? at : null;
}

export function forgetInSync(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}

/** `14:14` in `timeZone` (the wedding's, IANA), 24-hour like the rest of the app. */
export function clockTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

/**
 * The sentence the offline wedding shows about its copy's age (all times ms since the epoch):
 * `inSyncAt` when the copy last agreed with the server (null: not known), `scheduleSavedAt` when
 * My schedule's kept copy was read, if it covers this wedding. When My schedule's copy is the newer
 * one, it says so: that copy has what the server said later, the wedding view does not. Clock
 * times are in `timeZone`, the wedding's (the header says "times in <zone>").
 */
export function offlineCopyNotice(inSyncAt: number | null, scheduleSavedAt: number | null, timeZone: string, now = Date.now()): string {
  const age = inSyncAt === null
    ? 'This device has not recorded when its copy of the wedding was last in sync with the server.'
    : `This is the wedding as of ${clockTime(inSyncAt, timeZone)} (${relativeTime(new Date(inSyncAt).toISOString(), now)}), when this device was last in sync with the server.`;
  const newer = scheduleSavedAt !== null && (inSyncAt === null || scheduleSavedAt > inSyncAt)
    ? ` My schedule has a newer copy (as of ${clockTime(scheduleSavedAt, timeZone)}): where times differ, My schedule is the later word.`
    : '';
  return `${age}${newer}`;
}
