import type { TestedRemote } from '../../adapters/core/index.ts';
import { KeyedQueue } from '../keyed-queue.ts';
import { systemNameOf } from './system-name.ts';
import { BridgeError } from './bridge-error.ts';
import type { Connection } from './connection-store.ts';
import type { Integration, IntegrationRecords } from './integration-store.ts';

/** Where a connection about to be made, bound or re-pointed would sync. */
export interface RemoteScope {
  /** Set for a business's connection (made for the workspace, not from a wedding). */
  workspaceId?: string | null;
  /** The weddings it is (or is about to be) bound to. */
  weddingIds: readonly string[];
  /** The connection itself, when it exists already (a bind, new settings). */
  except?: string;
  /**
   * Whether the refusal may name a binding found in a wedding (its connection's id and label):
   * only to whoever may see it (a vendor sees its own entry's). Absent: never named.
   */
  mayName?: (binding: Integration) => boolean;
}

/**
 * One connection per calendar or account where two would sync it twice (Connection.remoteId, what
 * the connection test reached, TestedRemote):
 * - a business has one connection of a system per remote object: a second would push every
 *   wedding bound to both twice and import each change twice, so it is refused and the existing
 *   one is named, to be bound instead;
 * - a wedding has one connection of a system per remote object bound to it, whoever made it.
 * Connections made from two different weddings may reach the same calendar: each serves its own
 * wedding. A connection with no remote (a system that names none, or one made before remote ids
 * were kept) is never taken for another.
 *
 * `exclusive` checks and then runs `make` (which stores the connection or binding) with no other
 * `exclusive` call for the same system and remote running in this process, so two clicks on
 * Connect cannot both pass the check. Two instances of a cluster connecting the same calendar in
 * the same moment are not held apart.
 */
export class RemoteGuard {
  private readonly queue = new KeyedQueue();

  constructor(private readonly store: IntegrationRecords) {}

  /**
   * Runs `make` unless another connection of `system` syncs `remoteId` in `scope`; `remoteId`
   * undefined: runs it at once. Throws BridgeError `already_connected` (409, `details`:
   * `{ connectionId, remoteId }` of the connection found; for one found in a wedding that
   * `scope.mayName` does not allow, neither the connection nor details are named).
   */
  async exclusive<T>(system: string, remote: Pick<TestedRemote, 'remoteId' | 'remoteName'> | undefined, scope: RemoteScope, make: () => Promise<T>): Promise<T> {
    if (!remote) return make();
    return this.queue.run(`${system}\n${remote.remoteId}`, async () => {
      const found = await this.find(system, remote.remoteId, scope);
      if (found) throw refusal(system, remote, found);
      return make();
    });
  }

  private async find(system: string, remoteId: string, scope: RemoteScope): Promise<Found | null> {
    const same = (c: Connection) => c.system === system && c.remoteId === remoteId && c.id !== scope.except;
    for (const weddingId of scope.weddingIds) {
      const bound = (await this.store.listForWedding(weddingId)).find((b) => same(b.connection));
      if (bound) return { connection: bound.connection, weddingId, named: scope.mayName?.(bound) ?? false };
    }
    if (!scope.workspaceId) return null;
    for (const c of (await this.store.connections.listForWorkspace(scope.workspaceId)).filter(same)) {
      // A connection made from a wedding has a binding under its own id: it is that wedding's, not the business's.
      const bindings = await this.store.listForConnection(c.id);
      if (!bindings.some((b) => b.id === c.id)) return { connection: c, weddingId: null, named: true };
    }
    return null;
  }
}

/** A connection found, where (a wedding, or null: the business's own), and whether the caller may be told which. */
interface Found { connection: Connection; weddingId: string | null; named: boolean }

function refusal(system: string, remote: Pick<TestedRemote, 'remoteId' | 'remoteName'>, found: Found): BridgeError {
  const what = `${systemNameOf(system, found.connection.configuration)} ${remote.remoteName && remote.remoteName !== remote.remoteId ? `"${remote.remoteName}" (${remote.remoteId})` : remote.remoteId}`;
  const named = `connection ${found.connection.id}${found.connection.label ? ` ("${found.connection.label}")` : ''}`;
  if (!found.named) {
    return new BridgeError('already_connected', `${what} is already connected to wedding ${found.weddingId} by someone else there: a second connection would sync it twice`);
  }
  const message = found.weddingId
    ? `${what} is already connected to wedding ${found.weddingId} through ${named}: a second connection would sync it twice`
    : `${what} is already connected for this business as ${named}: bind that connection to the wedding instead of connecting it again`;
  return new BridgeError('already_connected', message, { details: { connectionId: found.connection.id, remoteId: remote.remoteId } });
}
