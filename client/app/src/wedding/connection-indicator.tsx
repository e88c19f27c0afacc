import type { SyncState } from './sync-state.ts';

const TEXT: Record<SyncState, { label: string; detail: string }> = {
  online: { label: 'Online', detail: 'every change is saved on the server' },
  syncing: { label: 'Syncing', detail: 'sending and receiving changes' },
  connecting: { label: 'Connecting', detail: 'reaching the server; edits are kept meanwhile' },
  offline: { label: 'Offline', detail: 'edits are kept on this device and sent when you reconnect' },
};

/** What offline means to a role that edits none of the shared views (vendor, couple, viewer). */
const READ_ONLY_OFFLINE = { short: 'showing the copy saved on this device', long: 'showing the copy saved on this device; it updates when you reconnect' };
/** …and to one that still changes its own part (the couple's guest numbers and proposals, a vendor's arrival). */
const CONTRIBUTOR_OFFLINE = { short: 'showing the copy saved on this device; your changes are sent when you reconnect', long: 'showing the copy saved on this device; your own changes are kept here and sent when you reconnect' };

/**
 * The connection state, always visible; announced politely when it changes. `canEdit` false (a
 * read-only role) says what offline means for reading, not where edits go (trial 24).
 */
export function ConnectionIndicator({ state, offlineCopy, canEdit = true, contributes = false }: { state: SyncState; offlineCopy: 'pending' | 'ready' | 'unavailable'; canEdit?: boolean; contributes?: boolean }) {
  const t = TEXT[state];
  const reading = contributes ? CONTRIBUTOR_OFFLINE : READ_ONLY_OFFLINE;
  const detail = state === 'offline' && offlineCopy === 'unavailable' ? (canEdit || contributes ? 'this browser cannot keep an offline copy: reconnect before closing the tab' : 'this browser cannot keep an offline copy: reconnect to see changes')
    : state === 'offline' && !canEdit ? reading.long
    : state === 'connecting' && !canEdit ? 'reaching the server' : t.detail;
  const short = offlineCopy === 'unavailable' ? (canEdit || contributes ? 'reconnect before closing the tab' : 'reconnect to see changes') : canEdit ? 'edits saved on this device' : reading.short;
  return (
    <p class={`sync sync-${state}`} role="status" data-sync-state={state} title={detail}>
      <span class="sync-dot" aria-hidden="true" />
      {/* Offline is the state people must not miss: say where the edits are, visibly. The colon
          belongs to the label, so the gap between the spans never stands before it (vendor trial). */}
      <span class="sync-label">{t.label}{state === 'offline' ? ':' : ''}</span>
      {state === 'offline'
        ? <span class="sync-detail">{short}</span>
        : <span class="sr-only">: {detail}</span>}
    </p>
  );
}
