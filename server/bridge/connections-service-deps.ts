import type { Principal } from '../auth/tokens.ts';
import type { Logger } from '../logger.ts';
import type { AuditWriter } from './audit-log.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';
import type { InitialSyncs } from './initial-syncs.ts';
import type { IntegrationRegistry } from './integration-registry.ts';
import type { IntegrationRecords } from './integration-store.ts';
import type { LinkRecords } from './link-store.ts';

/** What ConnectionsService (connections-service.ts) is given by the bridge. */
export interface ConnectionsServiceDeps {
  store: IntegrationRecords;
  links: LinkRecords;
  runtime: ConnectionRuntime;
  registry: IntegrationRegistry;
  audit: AuditWriter;
  logger: Logger;
  now: () => number;
  /** The workspace a wedding belongs to (null: an operator's wedding). */
  workspaceOfWedding(weddingId: string): Promise<string | null>;
  /** Whether the principal may act for the workspace (a member, an admin, one of its API keys). */
  actsForWorkspace(p: Principal, workspaceId: string): Promise<boolean>;
  /** A new binding's first sync: it receives the wedding as it is, and the connection's records are routed again. */
  initialSyncs: Pick<InitialSyncs, 'begin'>;
  /** Stops delivering a removed binding's outbox rows. */
  forgetBinding(bindingId: string): void;
  /** Reads the connection's system in full again (what it imports changed), routing every record. */
  resync(connectionId: string): void;
  /**
   * Tells the other instances sharing the stores (PostgreSQL) that the connection or its bindings
   * changed: they rebuild it from the stored rows (connection-reload.ts). Called once the change is
   * stored and running here.
   */
  announce?(connectionId: string): void;
}
