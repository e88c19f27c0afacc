import { storedSchedule } from '../schedule/schedule-api.ts';
import { lastInSync, offlineCopyNotice } from './copy-age.ts';

/**
 * Offline, under the header: how old this device's copy of the wedding is, and whether My
 * schedule's kept copy (a vendor's) is newer, so two views of one day never disagree silently.
 */
export function OfflineCopyNotice({ personId, weddingId, timeZone }: { personId: string; weddingId: string; timeZone: string }) {
  const schedule = storedSchedule(personId);
  const scheduleSavedAt = schedule?.weddings.some((w) => w.weddingId === weddingId) ? schedule.savedAt : null;
  return <p class="notice offline-copy" role="status" data-offline-copy>{offlineCopyNotice(lastInSync(personId, weddingId), scheduleSavedAt, timeZone)}</p>;
}
