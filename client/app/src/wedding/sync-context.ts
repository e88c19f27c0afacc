import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SyncState } from './sync-state.ts';

/** The open wedding's connection state (WeddingView provides it), for forms that say where a change went. */
export const SyncStateContext = createContext<SyncState>('online');

/** "…saved." online; offline, that it waits on this device: a person offline must not think it reached the others. */
export function useSavedWhere(): (saved: string) => string {
  const state = useContext(SyncStateContext);
  return (saved) => (state === 'offline' ? `${saved.replace(/\.$/, '')}, on this device: it is sent when you are back online.` : saved);
}
