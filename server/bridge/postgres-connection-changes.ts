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
  /**
   * Tells the other instances (not this one) that the connection changed. One that cannot be sent
   * is sent again until it is (postgresConnectionChanges); rejects only once the channel closed.
   */
  announce(connectionId: string): Promise<void>;
  /**
   * Runs `listener` with the ids another instance announced; after listening again, with every
   * stored connection and those `running` here (one removed meanwhile is among them).
   */
  onChange(listener: (connectionIds: string[]) => void, running: () => string[]): void;
  close(): Promise<void>;
}

/** Waits between attempts of an announcement that failed: doubling from the first, at most the last (ms). */
export const ANNOUNCE_RETRY_MS = { first: 250, max: 10_000 } as const;

export function postgresConnectionChanges(pool: pg.Pool, options: { now: () => number; logger?: Pick<Logger, 'warn' | 'error'> & Partial<Pick<Logger, 'info'>>; retryMs?: { first: number; max: number } }): ConnectionChanges {
  let running: () => string[] = () => [];
  let closed = false;
  const channel = new RevocationChannel(pool, {
    channel: 'connection_changes', what: 'connection change', now: options.now, logger: options.logger,
    // Missed while not listening: every connection, and those running here that may be gone.
    revokedSince: async () => [...new Set([...(await pool.query<{ id: string }>('SELECT id FROM connections')).rows.map((r) => r.id), ...running()])],
  });
  const notifyOnce = async (connectionId: string) => {
    const client = await pool.connect();
    try {
      await channel.notify(client, [connectionId]);
    } finally {
      client.release();
    }
  };
  /**
   * Announcements being sent, by connection. A second announcement of one joins it, asking for one
   * more send if the one in flight succeeds: that send may have left before the second change was
   * stored, and a listener reading the connection at once would miss it.
   */
  const sending = new Map<string, { again: boolean; done: Promise<void> }>();
  const retry = { ...ANNOUNCE_RETRY_MS, ...options.retryMs };
  /**
   * Sends the announcement; one that cannot be sent (the database unreachable from here for a
   * moment) is sent again, waiting longer each time, until it is sent or the channel closes: the
   * other instances, listening all along, would otherwise run the old settings until they restart
   * (a rotated signing secret refused, a removed connection still pulled).
   */
  const send = async (connectionId: string, entry: { again: boolean }): Promise<void> => {
    let failed = false;
    for (let wait = retry.first; ; ) {
      entry.again = false;
      try {
        await notifyOnce(connectionId);
        if (failed) options.logger?.info?.({ connectionId }, 'the connection change was announced after all');
        if (!entry.again) return;
        continue;
      } catch (error) {
        if (closed) throw new Error(`connection change of ${connectionId} not announced: the channel closed first`, { cause: error });
        if (!failed) options.logger?.warn({ err: error, connectionId }, 'could not tell the other instances of a connection change; trying again');
        failed = true;
      }
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
      wait = Math.min(wait * 2, retry.max);
      if (closed) throw new Error(`connection change of ${connectionId} not announced: the channel closed first`);
    }
  };
  return {
    listen: () => channel.listen(),
    announce(connectionId) {
      const joined = sending.get(connectionId);
      if (joined) {
        joined.again = true;
        return joined.done;
      }
      const entry = { again: false, done: Promise.resolve() };
      entry.done = send(connectionId, entry).finally(() => sending.delete(connectionId));
      sending.set(connectionId, entry);
      return entry.done;
    },
    onChange(listener, runningHere) {
      running = runningHere;
      channel.onRevoked(listener);
    },
    close: () => {
      closed = true;
      return channel.close();
    },
  };
}
