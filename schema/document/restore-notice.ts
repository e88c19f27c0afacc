import * as Y from 'yjs';
import { z } from 'zod';
import { RestoreSection } from '../api/admin.ts';

/**
 * Every snapshot restore leaves a notice in the document itself, under the top-level map `restores`
 * (keyed by restore id). Connected peers see it arrive with the restore, and a peer that was offline
 * finds it on reconnecting, so the app and the SDK can tell people that the wedding was restored.
 *
 * The notice also says which operations were the restore's: those of Yjs client `clientId` from
 * `clock` on. A peer whose state vector does not reach past `clock` had not seen the restore, so
 * its edits are concurrent with it (the server uses this, see server/admin/restore-merge.ts).
 */
export const RESTORES_ROOT = 'restores';

export const RestoreNotice = z.object({
  id: z.string(),
  /** When the restore ran (ISO 8601, UTC). */
  at: z.string(),
  by: z.string(),
  snapshotId: z.string(),
  snapshotLabel: z.string(),
  /** The automatic snapshot holding the content from just before the restore. */
  backupId: z.string(),
  sections: z.array(RestoreSection),
  /** Yjs clientID of the server document that wrote the restore. */
  clientId: z.number().int().nonnegative(),
  /** That client's clock when the restore began: its operations have clocks from here on. */
  clock: z.number().int().nonnegative(),
});
export type RestoreNotice = z.infer<typeof RestoreNotice>;

/** The document's restore notices, oldest first. Entries that do not parse are skipped. */
export function listRestoreNotices(ydoc: Y.Doc): RestoreNotice[] {
  const out: RestoreNotice[] = [];
  for (const v of ydoc.getMap(RESTORES_ROOT).values()) {
    const parsed = RestoreNotice.safeParse(v);
    if (parsed.success) out.push(parsed.data);
  }
  return out.sort((a, b) => a.at.localeCompare(b.at) || a.clock - b.clock);
}

/** Writes a notice; call inside the restore's transaction so it travels with the restore. */
export function writeRestoreNotice(ydoc: Y.Doc, notice: RestoreNotice): void {
  ydoc.getMap(RESTORES_ROOT).set(notice.id, RestoreNotice.parse(notice));
}

/** Whether a peer with state vector `sv` (Y.decodeStateVector) has received the restore. */
export function hasSeenRestore(sv: Map<number, number>, notice: RestoreNotice): boolean {
  return (sv.get(notice.clientId) ?? 0) > notice.clock;
}
