import type { Logger } from '../logger.ts';
import type { LiveConnection } from './connection-runtime.ts';
import type { ConnectionRecords } from './connection-store.ts';

/** How long one connection test may take here before it is left (ms). */
const TEST_TIMEOUT_MS = 30_000;
/** How long one upkeep spends naming remotes before it leaves the rest to the next (ms). */
const UPKEEP_BUDGET_MS = 20_000;

/**
 * Names the remote of connections made before remote ids were kept (migrations 032 and postgres
 * 044: `remote_id` NULL), so the one-connection-per-calendar check (same-remote.ts) sees them. At
 * the connection upkeep (ConnectionRuntime.maintain: a minute after start and every minute; on
 * PostgreSQL on the instance holding the connection's duties), each running connection of a
 * system that names its remote (AdapterDefinition.namesRemote) with none stored runs its
 * connection test, once per process, one at a time, for at most UPKEEP_BUDGET_MS per upkeep; what
 * it reached is stored only while the row still names none (a settings change meanwhile stored a
 * newer one). Paused, failed and out-of-process connections are not running, so not named. A test
 * that fails is logged and asked again in the next process (or on the instance the duties move to).
 * Two connections of one calendar made before are both kept: the second is logged, not refused.
 */
export class RemoteBackfill {
  private readonly asked = new Set<string>();

  constructor(private readonly deps: { connections: Pick<ConnectionRecords, 'nameRemote'>; logger: Logger; now: () => number }) {}

  /** Names what it can of `connections` within the budget; never throws. */
  async name(connections: readonly LiveConnection[]): Promise<void> {
    const until = this.deps.now() + UPKEEP_BUDGET_MS;
    for (const live of connections) {
      if (this.deps.now() >= until) return;
      await this.nameOne(live);
    }
  }

  private async nameOne({ connection, definition, adapter }: LiveConnection): Promise<void> {
    if (connection.remoteId !== null || !definition.namesRemote || this.asked.has(connection.id)) return;
    this.asked.add(connection.id);
    const log = { connectionId: connection.id, system: connection.system };
    let timer: NodeJS.Timeout | undefined;
    let remote;
    try {
      const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer in ${TEST_TIMEOUT_MS} ms`)), TEST_TIMEOUT_MS); });
      remote = await Promise.race([adapter.testConnection(), late]);
    } catch (error) {
      return this.deps.logger.warn({ ...log, err: error }, 'the connection test that names its remote failed; asked again in the next process');
    } finally {
      clearTimeout(timer);
    }
    if (!remote) return this.deps.logger.warn(log, 'the connection test named no remote, though its system names one');
    try {
      const named = await this.deps.connections.nameRemote(connection.id, remote);
      if (named) this.deps.logger.info({ ...log, remoteId: remote.remoteId }, 'named the remote of a connection made before remote ids were kept');
    } catch (error) {
      this.deps.logger.warn({ ...log, err: error }, 'could not store the remote of a connection made before remote ids were kept');
    }
  }
}
