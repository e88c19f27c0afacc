import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { RevocationChannel } from '../storage/postgres/revocation-channel.ts';

/**
 * Which connections changed, told to every instance sharing a PostgreSQL database (the
 * RevocationChannel's LISTEN/NOTIFY on channel `connection_changes`): a connection made, bound,
 * unbound, re-configured or removed through one instance is rebuilt on the others
 * (connection-reload.ts) instead of waiting for their restart. An instance that lost its listening
 * connection reloads every connection once it listens again (what changed meanwhile is not known).
 */
export interface ConnectionChanges {
  /** Starts listening; resolves once listening (rejects with the pg error). */
  listen(): Promise<void>;
  /** Tells the other instances (not this one) that the connection changed; rejects with the pg error. */
  announce(connectionId: string): Promise<void>;
  /**
   * Runs `listener` with the ids another instance announced; after listening again, with every
   * stored connection and those `running` here (one removed meanwhile is among them).
   */
  onChange(listener: (connectionIds: string[]) => void, running: () => string[]): void;
  close(): Promise<void>;
}

export function postgresConnectionChanges(pool: pg.Pool, options: { now: () => number; logger?: Pick<Logger, 'warn' | 'error'> }): ConnectionChanges {
  let running: () => string[] = () => [];
  const channel = new RevocationChannel(pool, {
    channel: 'connection_changes', what: 'connection change', now: options.now, logger: options.logger,
    // Missed while not listening: every connection, and those running here that may be gone.
    revokedSince: async () => [...new Set([...(await pool.query<{ id: string }>('SELECT id FROM connections')).rows.map((r) => r.id), ...running()])],
  });
  return {
    listen: () => channel.listen(),
    async announce(connectionId) {
      const client = await pool.connect();
      try {
        await channel.notify(client, [connectionId]);
      } finally {
        client.release();
      }
    },
    onChange(listener, runningHere) {
      running = runningHere;
      channel.onRevoked(listener);
    },
    close: () => channel.close(),
  };
}
