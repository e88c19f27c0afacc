import type { SyncState } from './sync-state.ts';

const TEXT: Record<SyncState, { label: string; detail: string }> = {
  online: { label: 'Online', detail: 'every change is saved on the server' },
  syncing: { label: 'Syncing', detail: 'sending and receiving changes' },
  connecting: { label: 'Connecting', detail: 'reaching the server; edits are kept meanwhile' },
  offline: { label: 'Offline', detail: 'edits are kept on this device and sent when you reconnect' },
};

/** What offline means to a role that changes nothing in the wedding document (vendor, couple, viewer). */
const READ_ONLY_OFFLINE = { short: 'showing the copy saved on this device', long: 'showing the copy saved on this device; it updates when you reconnect' };

/**
 * The connection state, always visible; announced politely when it changes. `canEdit` false (a
 * read-only role) says what offline means for reading, not where edits go (trial 24).
 */
export function ConnectionIndicator({ state, offlineCopy, canEdit = true }: { state: SyncState; offlineCopy: 'pending' | 'ready' | 'unavailable'; canEdit?: boolean }) {
  const t = TEXT[state];
  const detail = state === 'offline' && offlineCopy === 'unavailable' ? (canEdit ? 'this browser cannot keep an offline copy: reconnect before closing the tab' : 'this browser cannot keep an offline copy: reconnect to see changes')
    : state === 'offline' && !canEdit ? READ_ONLY_OFFLINE.long
    : state === 'connecting' && !canEdit ? 'reaching the server' : t.detail;
  const short = offlineCopy === 'unavailable' ? (canEdit ? 'reconnect before closing the tab' : 'reconnect to see changes') : canEdit ? 'edits saved on this device' : READ_ONLY_OFFLINE.short;
  return (
    <p class={`sync sync-${state}`} role="status" data-sync-state={state} title={detail}>
      <span class="sync-dot" aria-hidden="true" />
      <span class="sync-label">{t.label}</span>
      {/* Offline is the state people must not miss: say where the edits are, visibly. */}
      {state === 'offline'
        ? <span class="sync-detail">: {short}</span>
        : <span class="sr-only">: {detail}</span>}
    </p>
  );
}
