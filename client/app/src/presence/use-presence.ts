import { useCallback, useEffect, useState } from 'preact/hooks';
import type { HocuspocusProvider } from '@hocuspocus/provider';

/** The presence identity the server stamps on every peer from its token (auth-extension.ts). */
export interface PresenceUser {
  id: string;
  name: string;
  role: string;
  color: string;
}

export interface Peer {
  clientId: number;
  /** Absent on this tab's own state: the server stamps it on what the others receive. */
  user: PresenceUser | null;
  /** The event this peer has open, or null. */
  editing: string | null;
  self: boolean;
}

function asUser(value: unknown): PresenceUser | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.name === 'string' && typeof v.role === 'string' && typeof v.color === 'string'
    ? { id: v.id, name: v.name, role: v.role, color: v.color }
    : null;
}

/** Everyone connected to this wedding (from Yjs awareness), and a setter for what this tab edits. */
export function usePresence(provider: HocuspocusProvider): { peers: Peer[]; setEditing: (eventId: string | null) => void } {
  const awareness = provider.awareness;
  const read = useCallback((): Peer[] => {
    if (!awareness) return [];
    const peers: Peer[] = [];
    for (const [clientId, state] of awareness.getStates()) {
      const self = clientId === awareness.clientID;
      const user = asUser((state as Record<string, unknown>).user);
      // A peer whose identity the server has not stamped yet is not shown (it may be spoofed).
      if (!self && !user) continue;
      const editing = (state as Record<string, unknown>).editing;
      peers.push({ clientId, user, editing: typeof editing === 'string' ? editing : null, self });
    }
    return peers.sort((a, b) => Number(b.self) - Number(a.self) || (a.user?.name ?? '').localeCompare(b.user?.name ?? ''));
  }, [awareness]);
  const [peers, setPeers] = useState<Peer[]>(read);

  useEffect(() => {
    if (!awareness) return;
    const onChange = () => setPeers(read());
    awareness.on('change', onChange);
    onChange();
    return () => awareness.off('change', onChange);
  }, [awareness, read]);

  const setEditing = useCallback((eventId: string | null) => {
    awareness?.setLocalStateField('editing', eventId);
  }, [awareness]);

  return { peers, setEditing };
}
