import { forgetSchedule } from '../schedule/schedule-api.ts';
import { forgetInSync } from '../wedding/copy-age.ts';
import { forgetIdentity } from './offline-identity.ts';

/**
 * What signing out leaves on this device (docs/planner-app.md "Signing out"): nothing of the person.
 * A phone or a venue's laptop is often shared, and the next person must not find the last one's
 * weddings in it, so an explicit sign-out removes the kept identity, the kept schedule, the cached
 * wedding list and every offline wedding copy of the person (IndexedDB `wedsync:<personId>:<weddingId>`,
 * use-wedding-connection.ts). Edits made offline that never reached the server go with the copies:
 * the app warns before an offline sign-out (app.tsx).
 */
export async function forgetPersonOnDevice(personId: string): Promise<void> {
  forgetIdentity();
  forgetSchedule();
  forgetInSync();
  try {
    localStorage.removeItem(`wedsync.weddings:${personId}`);
  } catch {
    // Nothing stored.
  }
  await deleteOfflineCopies(`wedsync:${personId}:`);
}

/**
 * Deletes the IndexedDB databases whose names start with `prefix`. A copy still open (the wedding
 * screen closing) is deleted once it is closed: deleteDatabase waits for that.
 */
async function deleteOfflineCopies(prefix: string): Promise<void> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return;
  let names: string[];
  try {
    names = (await indexedDB.databases()).map((d) => d.name ?? '').filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  await Promise.all(names.map((name) => new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => resolve();
  })));
}
