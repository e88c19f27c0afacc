import type { ConnectionStatus } from '../../../sdk/index.ts';

export const SYNC_STATES = ['offline', 'connecting', 'syncing', 'online'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

export interface SyncInputs {
  browserOnline: boolean;
  status: ConnectionStatus;
  synced: boolean;
  unsyncedChanges: number;
}

/**
 * What the indicator shows. `online` means the server has acknowledged every local change, so
 * closing the tab loses nothing even without the offline copy.
 */
export function syncStateOf(s: SyncInputs): SyncState {
  if (!s.browserOnline || s.status === 'disconnected') return 'offline';
  if (s.status === 'connecting') return 'connecting';
  if (!s.synced || s.unsyncedChanges > 0) return 'syncing';
  return 'online';
}
