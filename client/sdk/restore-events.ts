import type * as Y from 'yjs';
import { RESTORES_ROOT, RestoreNotice } from '../../schema/document/restore-notice.ts';

/**
 * Calls `listener` for each snapshot restore that reaches this copy of the wedding from elsewhere:
 * live, as the admin restores, or on reconnecting after a restore made while this peer was offline.
 * The notice says which snapshot, by whom, when, and which sections were rolled back; a restore that
 * overrode some of this peer's offline edits also leaves pending conflicts (source `restore:<id>`).
 * Notices already in the document when this is called are not reported. Returns the unsubscribe.
 */
export function onRestored(ydoc: Y.Doc, listener: (notice: RestoreNotice) => void): () => void {
  const notices = ydoc.getMap<unknown>(RESTORES_ROOT);
  const handler = (event: Y.YMapEvent<unknown>) => {
    for (const [key, change] of event.changes.keys) {
      if (change.action !== 'add') continue;
      const parsed = RestoreNotice.safeParse(notices.get(key));
      if (parsed.success) listener(parsed.data);
    }
  };
  notices.observe(handler);
  return () => notices.unobserve(handler);
}
