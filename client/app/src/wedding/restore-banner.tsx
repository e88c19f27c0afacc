import { useEffect, useState } from 'preact/hooks';
import { onRestored, type RestoreNotice, type WeddingConnection } from '../../../sdk/index.ts';
import { SECTION_LABELS } from '../admin/restore-dialog.tsx';
import { operatorWords } from '../admin/snapshot-words.ts';
import { dateTimeLabel } from '../ui/labels.ts';

/**
 * Tells everyone with the wedding open that an admin restored a snapshot: live, or when this tab
 * comes back online after a restore made while it was offline. A copy that was empty when the view
 * opened learns the wedding's whole history in its first sync, so restores in it are not news.
 */
export function RestoreBanner({ connection, version, timeZone }: { connection: WeddingConnection; version: number; timeZone: string }) {
  const [notice, setNotice] = useState<RestoreNotice | null>(null);
  useEffect(() => {
    const { ydoc } = connection;
    const startedEmpty = ydoc.store.clients.size === 0;
    return onRestored(ydoc, (n) => {
      if (startedEmpty && !connection.synced) return;
      setNotice(n);
    });
  }, [connection]);
  if (!notice) return null;
  const kept = connection.doc.listConflicts().filter((c) => c.source === `restore:${notice.id}` && c.status === 'pending').length;
  void version; // re-rendered on every change, so the count of kept edits stays current
  return (
    <div class="restore-banner" role="status">
      <p>
        <strong>This wedding was restored</strong> to the snapshot “{notice.snapshotLabel}” by {operatorWords(notice.by)} ({dateTimeLabel(notice.at, timeZone)}):{' '}
        {notice.sections.map((s) => SECTION_LABELS[s]).join(', ')}.
        {kept > 0 && <> {kept === 1 ? '1 change' : `${kept} changes`} made offline {kept === 1 ? 'was' : 'were'} kept over it; see Conflicts to review.</>}
      </p>
      <button type="button" onClick={() => setNotice(null)}>Dismiss<span class="sr-only"> restore notice</span></button>
    </div>
  );
}
