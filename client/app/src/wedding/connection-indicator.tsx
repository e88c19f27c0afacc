import type { SyncState } from './sync-state.ts';

const TEXT: Record<SyncState, { label: string; detail: string }> = {
  online: { label: 'Online', detail: 'every change is saved on the server' },
  syncing: { label: 'Syncing', detail: 'sending and receiving changes' },
  connecting: { label: 'Connecting', detail: 'reaching the server; edits are kept meanwhile' },
  offline: { label: 'Offline', detail: 'edits are kept on this device and sent when you reconnect' },
};

/** The connection state, always visible; announced politely when it changes. */
export function ConnectionIndicator({ state, offlineCopy }: { state: SyncState; offlineCopy: 'pending' | 'ready' | 'unavailable' }) {
  const t = TEXT[state];
  const detail = state === 'offline' && offlineCopy === 'unavailable' ? 'this browser cannot keep an offline copy: reconnect before closing the tab' : t.detail;
  return (
    <p class={`sync sync-${state}`} role="status" data-sync-state={state} title={detail}>
      <span class="sync-dot" aria-hidden="true" />
      <span class="sync-label">{t.label}</span>
      {/* Offline is the state people must not miss: say where the edits are, visibly. */}
      {state === 'offline'
        ? <span class="sync-detail">: {offlineCopy === 'unavailable' ? 'reconnect before closing the tab' : 'edits saved on this device'}</span>
        : <span class="sr-only">: {detail}</span>}
    </p>
  );
}
