import crypto from 'node:crypto';
import type pg from 'pg';
import type { Logger } from '../logger.ts';

/**
 * Which connections' periodic work (scheduled pulls, watch channel upkeep: ConnectionRuntime.maintain)
 * this instance does, when several share the stores: each connection has one holder at a time
 * (table `connection_duties`, PostgreSQL migration 024), so a Google calendar is pulled once per
 * interval and has one watch channel renewed, not one per instance. Webhooks and requested pulls
 * are not held: any instance takes them.
 */
export interface ConnectionDuties {
  /** How long a duty is held from a renewal (ms); renewed every third of it. */
  readonly ttlMs: number;
  /** Whether this instance holds the connection's duties: renewed, and not past its local expiry (a stalled or cut-off instance stops by itself). */
  mine(connectionId: string): boolean;
  /**
   * Takes the duties of `running` connections nobody holds (or whose holder stopped renewing) and
   * renews those held; lets go of the ones no longer running here. Resolves with the connections
   * newly held (their state may be older than their previous holder's: reload them). Rejects with
   * the pg error (the holdings are then as before, and lapse if never renewed).
   */
  renew(running: readonly string[]): Promise<string[]>;
  /** Lets go of every duty held (a clean stop): other instances take them at their next renewal. */
  release(): Promise<void>;
}

/**
 * ConnectionDuties on PostgreSQL: claims with `INSERT … ON CONFLICT … WHERE expired or ours`, as
 * the outbox's per-integration claims; held `ttlMs` from each renewal (the bridge renews every
 * third of it). An instance that dies or stalls hands its connections over `ttlMs` after its last
 * renewal (and the renewal period); until then nobody does their scheduled pulls (webhooks still
 * arrive). The holder is the instance id plus a random part per process, so a restarted process
 * never takes a duty as its own that its predecessor held: it waits for it to lapse, as any other.
 * A holder counts a duty as its own until `ttlMs` less a tenth after the renewal began, on its own
 * clock; `expires_at` is compared on each claimer's clock, so clocks must agree within that tenth
 * (NTP). Ids are claimed in sorted order, so renewals by several instances at once never deadlock.
 */
export function postgresConnectionDuties(pool: pg.Pool, options: { instanceId: string; ttlMs: number; now: () => number }): ConnectionDuties {
  const holder = `${options.instanceId}:${crypto.randomBytes(4).toString('hex')}`;
  let held = new Set<string>();
  let heldUntil = 0;
  return {
    ttlMs: options.ttlMs,
    mine: (connectionId) => held.has(connectionId) && options.now() < heldUntil,
    async renew(running) {
      const now = options.now();
      const { rows } = await pool.query<{ connection_id: string }>(
        `INSERT INTO connection_duties (connection_id, holder, expires_at) SELECT id, $2, $3 FROM unnest($1::text[]) AS id
         ON CONFLICT (connection_id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
         WHERE connection_duties.holder = EXCLUDED.holder OR connection_duties.expires_at < $4
         RETURNING connection_id`,
        [[...new Set(running)].sort(), holder, now + options.ttlMs, now]);
      const next = new Set(rows.map((r) => r.connection_id));
      const acquired = [...next].filter((id) => !held.has(id) || now >= heldUntil);
      const here = new Set(running);
      const gone = [...held].filter((id) => !here.has(id));
      if (gone.length) await pool.query('DELETE FROM connection_duties WHERE holder = $1 AND connection_id = ANY($2::text[])', [holder, gone]);
      held = next;
      heldUntil = now + options.ttlMs * 0.9;
      return acquired;
    },
    async release() {
      held = new Set();
      await pool.query('DELETE FROM connection_duties WHERE holder = $1', [holder]);
    },
  };
}

/**
 * Renews `duties` for the connections `running` here now and every third of their ttl, logging a
 * failed renewal (the duties then lapse unless the next one works); `acquired` is given, after each
 * renewal, the connections newly held and the running ones the renewal was for. `kick` renews at once (a connection started running here); `stop` ends the
 * renewals and releases the duties.
 */
export async function keepDuties(duties: ConnectionDuties, running: () => string[], acquired: (connectionIds: string[], renewedFor: readonly string[]) => void, logger: Pick<Logger, 'warn'>): Promise<{ kick(): void; stop(): Promise<void> }> {
  const renew = () => {
    const ids = running();
    return duties.renew(ids).then((taken) => acquired(taken, ids))
      .catch((error: unknown) => logger.warn({ err: error }, 'could not renew the connections\' duties (scheduled pulls, channel upkeep); they lapse unless the next renewal works'));
  };
  await renew();
  let renewing: Promise<void> = Promise.resolve();
  let kicked = false;
  let stopped = false;
  const timer = setInterval(() => { renewing = renewing.then(renew); }, duties.ttlMs / 3);
  timer.unref();
  return {
    /** Renews now (after a renewal under way), for a connection that just started running here; kicks made meanwhile share it. */
    kick() {
      if (kicked || stopped) return;
      kicked = true;
      renewing = renewing.then(() => { kicked = false; return stopped ? undefined : renew(); });
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await renewing;
      await duties.release().catch((error: unknown) => logger.warn({ err: error }, 'could not release the connections\' duties (they lapse by themselves)'));
    },
  };
}

/** This instance's duties, held (holdDuties). */
export interface HeldDuties {
  /** A connection started running here (after start-up): claimed at once, not reloaded. */
  started(connectionId: string): void;
  /** Ends the renewals and releases the duties. */
  stop(): Promise<void>;
}

/**
 * Holds this instance's connection duties (keepDuties) for the bridge. A duty newly held is
 * `reload`ed first (its previous holder may have renewed its channel since this instance read it),
 * unless its connection was `started` here since the last renewal: it was just built from its
 * stored rows, and reloading it could race the state its activation is writing (the REST hooks it
 * registered). A started connection is claimed at once, so its scheduled pulls and upkeep start
 * now rather than at the next renewal (a third of the ttl).
 */
export async function holdDuties(duties: ConnectionDuties, running: () => string[], reload: (connectionId: string) => void, logger: Pick<Logger, 'warn'>): Promise<HeldDuties> {
  const startedHere = new Set<string>();
  const kept = await keepDuties(duties, running, (ids, renewedFor) => {
    for (const id of ids) if (!startedHere.has(id)) reload(id);
    for (const id of renewedFor) startedHere.delete(id);
  }, logger);
  return {
    started(connectionId) {
      startedHere.add(connectionId);
      kept.kick();
    },
    stop: () => kept.stop(),
  };
}
