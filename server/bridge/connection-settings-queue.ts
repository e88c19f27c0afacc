import { KeyedQueue } from '../keyed-queue.ts';
import { BridgeError } from './bridge-error.ts';
import type { Connection, ConnectionRecords } from './connection-store.ts';

/**
 * Changes of a connection's settings and secrets (PATCH, the URL token's and the signing
 * secret's rotations) one at a time per connection, each on the row as stored when it starts: a
 * change made while another's connection test runs does not write over it (on this instance).
 */
export class ConnectionSettingsQueue {
  private readonly queue = new KeyedQueue();

  constructor(private readonly connections: Pick<ConnectionRecords, 'get'>) {}

  /** Runs `fn` on the connection read again in its turn. @throws BridgeError `connection_not_found` once it is gone. */
  run<T>(connectionId: string, fn: (fresh: Connection) => Promise<T>): Promise<T> {
    return this.queue.run(connectionId, async () => {
      const fresh = await this.connections.get(connectionId);
      if (!fresh) throw new BridgeError('connection_not_found', 'no such connection among those you manage');
      return fn(fresh);
    });
  }
}
