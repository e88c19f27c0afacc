import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { Logger } from '../../logger.ts';

/** Ids per notification: NOTIFY payloads must stay under 8000 bytes, and an id is about 24 characters. */
const IDS_PER_NOTIFY = 200;
/** How long to wait before listening again after the listening connection was lost, ms. */
const RELISTEN_MS = 1000;
/** Other instances' clocks may be behind ours by this much when revocations missed while not listening are read, ms. */
const CLOCK_SLACK_MS = 60_000;

export interface RevocationChannelOptions {
  /** The LISTEN/NOTIFY channel (an SQL identifier: lower-case letters and `_`). */
  channel: string;
  /** What is revoked, for log lines ("session", "API key"). */
  what: string;
  /** The ids revoked at or after `since` (ms since the epoch, UTC): read after re-listening, to announce what was missed. */
  revokedSince(since: number): Promise<string[]>;
  now: () => number;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/**
 * Announces revocations to every instance sharing a PostgreSQL database (LISTEN/NOTIFY), so
 * sockets opened with a session or key revoked through one instance are closed on all of them.
 *
 * A revoking transaction calls `notify(client, ids)`: PostgreSQL sends the notification only if it
 * commits. After the commit the revoking store calls `announce(ids)` for its own listeners, and
 * skips its own notification when it arrives. Each channel LISTENs on its own connection; a lost
 * connection is replaced (every RELISTEN_MS until it works) and the revocations made meanwhile are
 * then read with `revokedSince` (since the loss, less CLOCK_SLACK_MS) and announced. A notification
 * that is not of our shape is ignored (anyone who may NOTIFY could send it), and a listener that
 * throws is logged, never thrown into the driver.
 */
export class RevocationChannel {
  private readonly events = new EventEmitter();
  /** Tells this channel's notifications from other instances'. */
  private readonly origin = crypto.randomUUID();
  private listener: pg.PoolClient | null = null;
  /** The listen in progress or done (at most one listening connection). */
  private listening: Promise<void> | null = null;
  private relisten: NodeJS.Timeout | null = null;
  /** When (our clock, ms) the listening connection was last lost: revocations since then are read on re-listening. */
  private lostAt: number | null = null;
  private closed = false;

  constructor(private readonly pool: pg.Pool, private readonly options: RevocationChannelOptions) {
    if (!/^[a-z_]+$/.test(options.channel)) throw new Error(`not a channel name: ${options.channel}`);
  }

  /**
   * Starts listening; resolves once listening. Calling it again while listening (or while a listen
   * runs) returns the same promise. Rejects with the pg error when it could not listen.
   */
  listen(): Promise<void> {
    this.listening ??= this.startListening().catch((error: unknown) => { this.listening = null; throw error; });
    return this.listening;
  }

  /** Sends `ids` to the other instances, inside the revoking transaction on `client`. */
  async notify(client: pg.ClientBase, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += IDS_PER_NOTIFY) {
      await client.query('SELECT pg_notify($1, $2)', [this.options.channel, JSON.stringify({ from: this.origin, ids: ids.slice(i, i + IDS_PER_NOTIFY) })]);
    }
  }

  /** Tells this instance's listeners about `ids` (after the revoking transaction committed). */
  announce(ids: string[]): void {
    if (ids.length === 0) return;
    try {
      this.events.emit('revoked', ids);
    } catch (error) {
      this.options.logger?.error({ err: error }, `a ${this.options.what} revocation listener threw`);
    }
  }

  onRevoked(listener: (ids: string[]) => void): () => void {
    this.events.on('revoked', listener);
    return () => this.events.off('revoked', listener);
  }

  /** Stops listening (the connection is closed, not returned to the pool). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.relisten) clearTimeout(this.relisten);
    await this.listening?.catch(() => undefined);
    if (this.listener) this.detach(this.listener);
  }

  private async startListening(): Promise<void> {
    const client = await this.pool.connect();
    if (this.closed) { client.release(); return; }
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.detach(client);
      this.listening = null;
      this.lostAt ??= this.options.now();
      this.options.logger?.warn({ err: error }, `lost the connection listening for ${this.options.what} revocations; listening again`);
      this.scheduleRelisten();
    };
    client.on('notification', (n) => {
      if (this.closed || n.channel !== this.options.channel || !n.payload) return;
      let ids: string[];
      try {
        const payload = JSON.parse(n.payload) as { from?: unknown; ids?: unknown };
        if (payload.from === this.origin || !Array.isArray(payload.ids)) return;
        ids = payload.ids.filter((id): id is string => typeof id === 'string');
      } catch {
        return;
      }
      this.announce(ids);
    });
    client.on('error', lost);
    client.on('end', lost);
    this.listener = client;
    try {
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      if (this.listener === client) this.detach(client);
      throw error;
    }
    void this.catchUp();
  }

  /** Announces what was revoked since the listening connection was lost; a failed read is tried again after RELISTEN_MS. */
  private async catchUp(): Promise<void> {
    const since = this.lostAt;
    if (since === null || this.closed) return;
    try {
      const ids = await this.options.revokedSince(since - CLOCK_SLACK_MS);
      if (this.lostAt === since) this.lostAt = null;
      this.announce(ids);
    } catch (error) {
      this.options.logger?.warn({ err: error }, `could not read the ${this.options.what} revocations made while not listening; trying again`);
      setTimeout(() => void this.catchUp(), RELISTEN_MS).unref();
    }
  }

  /** Gives the listening connection back, destroyed (it may be broken, or still listening), with our handlers off it. */
  private detach(client: pg.PoolClient): void {
    this.listener = null;
    client.removeAllListeners('notification');
    client.removeAllListeners('end');
    // An 'error' after this must not be thrown as an unhandled event.
    client.removeAllListeners('error');
    client.on('error', () => {});
    client.release(true);
  }

  /** Listens again after RELISTEN_MS, and again after each failure, until closed. */
  private scheduleRelisten(): void {
    if (this.closed || this.relisten) return;
    this.relisten = setTimeout(() => {
      this.relisten = null;
      this.listen().catch(() => this.scheduleRelisten());
    }, RELISTEN_MS);
    this.relisten.unref();
  }
}
