import type { Logger } from '../logger.ts';
import type { LiveConnection } from './connection-runtime.ts';
import { remoteColumns } from './connection-rows.ts';
import type { ConnectionRecords } from './connection-store.ts';

/**
 * Names the remote of connections made before remote ids were kept (migrations 032 and postgres
 * 044: `remote_id` NULL), so the one-connection-per-calendar check (same-remote.ts) sees them: a
 * running connection of a system that names its remote (AdapterDefinition.namesRemote) and has
 * none runs its connection test once per process (at the connection upkeep, a minute after start
 * and every minute; on PostgreSQL on the instance holding the connection's duties) and stores
 * what it reached. A test that fails is logged and not asked again until the next start.
 */
export class RemoteBackfill {
  private readonly asked = new Set<string>();

  constructor(private readonly deps: { connections: Pick<ConnectionRecords, 'update'>; logger: Logger }) {}

  async name(live: LiveConnection): Promise<void> {
    const { connection, definition, adapter } = live;
    if (connection.remoteId !== null || !definition.namesRemote || this.asked.has(connection.id)) return;
    this.asked.add(connection.id);
    try {
      const remote = await adapter.testConnection();
      if (!remote) return;
      await this.deps.connections.update(connection.id, remoteColumns(remote));
      this.deps.logger.info({ connectionId: connection.id, remoteId: remote.remoteId }, 'named the remote of a connection made before remote ids were kept');
    } catch (error) {
      this.deps.logger.warn({ err: error, connectionId: connection.id }, 'the connection test that names its remote failed; asked again at the next start');
    }
  }
}
