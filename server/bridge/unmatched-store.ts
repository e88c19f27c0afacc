import crypto from 'node:crypto';
import type { InboundChange } from '../../adapters/core/index.ts';
import type { Db } from '../storage/database.ts';
import { resolving } from '../storage/resolving.ts';
import { opaqueText, openedText } from '../storage/storable-text.ts';
import type { MatchProposal } from './wedding-facts.ts';

export const UNMATCHED_STATUSES = ['open', 'assigned', 'created', 'ignored'] as const;
export type UnmatchedStatus = (typeof UNMATCHED_STATUSES)[number];

/** A record of a connection that no binding claimed: waits for a person in the workspace's queue. */
export interface UnmatchedRecord {
  id: string;
  connectionId: string;
  workspaceId: string | null;
  entity: string;
  externalId: string;
  change: Extract<InboundChange, { op: 'upsert' }>;
  /** Best first. */
  proposals: MatchProposal[];
  status: UnmatchedStatus;
  /** ms since the epoch. */
  receivedAt: number;
  updatedAt: number;
  resolvedBy: string | null;
  weddingIds: string[];
}

/** A stored row, as both backends give it. */
export interface UnmatchedRow {
  id: string; connection_id: string; workspace_id: string | null; entity: string; external_id: string; change: string; proposals: string;
  status: UnmatchedStatus; received_at: number; updated_at: number; resolved_by: string | null; wedding_ids: string;
}

export const toUnmatchedRecord = (r: UnmatchedRow): UnmatchedRecord => ({
  id: r.id, connectionId: r.connection_id, workspaceId: r.workspace_id, entity: r.entity, externalId: openedText(r.external_id),
  change: JSON.parse(r.change) as UnmatchedRecord['change'], proposals: JSON.parse(r.proposals) as MatchProposal[], status: r.status,
  receivedAt: Number(r.received_at), updatedAt: Number(r.updated_at), resolvedBy: r.resolved_by, weddingIds: JSON.parse(r.wedding_ids) as string[],
});

export interface NewUnmatched { connectionId: string; workspaceId: string | null; change: UnmatchedRecord['change']; proposals: MatchProposal[]; at: number }

/** The values a record is stored with: its external id exactly, as both engines can hold it (opaqueText); the change is JSON text. */
export function unmatchedValues(r: NewUnmatched) {
  return {
    id: `unm_${crypto.randomBytes(9).toString('base64url')}`, connection_id: r.connectionId, workspace_id: r.workspaceId, entity: r.change.entity,
    external_id: opaqueText(r.change.externalId), change: JSON.stringify(r.change), proposals: JSON.stringify(r.proposals), at: r.at,
  };
}

/**
 * The unmatched queue on either backend (schema/migrations/020_connections.sql; on PostgreSQL
 * postgres/020_audit_unmatched.sql): sqliteUnmatchedRecords and PostgresUnmatchedStore, with one
 * contract (tests/bridge/audit-unmatched-backends.test.ts). Times are ms since the epoch.
 */
export interface UnmatchedRecords {
  /** Keeps the record's latest content; a record already resolved keeps its status. */
  put(r: NewUnmatched): Promise<UnmatchedRecord>;
  byRecord(connectionId: string, entity: string, externalId: string): Promise<UnmatchedRecord | undefined>;
  get(id: string): Promise<UnmatchedRecord | undefined>;
  /** A workspace's records, newest first (ties by id, by code point); `status` null for every status. */
  list(workspaceId: string, status: UnmatchedStatus | null, limit?: number): Promise<UnmatchedRecord[]>;
  /** The connection's open records that name one of `references` (InboundChange.reference), oldest first. */
  openWithReference(connectionId: string, references: string[]): Promise<UnmatchedRecord[]>;
  openCount(connectionId: string): Promise<number>;
  resolve(id: string, status: Exclude<UnmatchedStatus, 'open'>, by: string, weddingIds: string[], at: number): Promise<void>;
  /** The external record was deleted before anyone took it in: an open or ignored record goes. */
  forget(connectionId: string, entity: string, externalId: string): Promise<void>;
}

/** The `unmatched` table on SQLite, synchronous (the bridge): one row per external record (connection × entity × external id). */
export class UnmatchedStore {
  constructor(private readonly db: Db) {}

  /**
   * Keeps the record's latest content. A record already resolved keeps its status (an ignored one
   * stays ignored; an assigned one is routed by its link rows and does not come here again).
   */
  put(r: NewUnmatched): UnmatchedRecord {
    this.db.prepare(`INSERT INTO unmatched (id, connection_id, workspace_id, entity, external_id, change, proposals, status, received_at, updated_at)
      VALUES (@id, @connection_id, @workspace_id, @entity, @external_id, @change, @proposals, 'open', @at, @at)
      ON CONFLICT (connection_id, entity, external_id) DO UPDATE SET change = excluded.change, proposals = excluded.proposals, updated_at = excluded.updated_at`).run(unmatchedValues(r));
    return this.byRecord(r.connectionId, r.change.entity, r.change.externalId)!;
  }

  byRecord(connectionId: string, entity: string, externalId: string): UnmatchedRecord | undefined {
    const r = this.db.prepare('SELECT * FROM unmatched WHERE connection_id = ? AND entity = ? AND external_id = ?').get(connectionId, entity, opaqueText(externalId)) as UnmatchedRow | undefined;
    return r ? toUnmatchedRecord(r) : undefined;
  }

  get(id: string): UnmatchedRecord | undefined {
    const r = this.db.prepare('SELECT * FROM unmatched WHERE id = ?').get(id) as UnmatchedRow | undefined;
    return r ? toUnmatchedRecord(r) : undefined;
  }

  /** A workspace's records, newest first; `status` null for every status. */
  list(workspaceId: string, status: UnmatchedStatus | null, limit = 200): UnmatchedRecord[] {
    const rows = status
      ? this.db.prepare('SELECT * FROM unmatched WHERE workspace_id = ? AND status = ? ORDER BY received_at DESC, id LIMIT ?').all(workspaceId, status, limit)
      : this.db.prepare('SELECT * FROM unmatched WHERE workspace_id = ? ORDER BY received_at DESC, id LIMIT ?').all(workspaceId, limit);
    return (rows as UnmatchedRow[]).map(toUnmatchedRecord);
  }

  /** The connection's open records that name one of `references` (InboundChange.reference), oldest first. */
  openWithReference(connectionId: string, references: string[]): UnmatchedRecord[] {
    if (references.length === 0) return [];
    const rows = this.db.prepare(`SELECT * FROM unmatched WHERE connection_id = ? AND status = 'open'
      AND json_extract(change, '$.reference') IN (SELECT value FROM json_each(?)) ORDER BY received_at, id`).all(connectionId, JSON.stringify(references));
    return (rows as UnmatchedRow[]).map(toUnmatchedRecord);
  }

  /** Open records per connection (for health). */
  openCount(connectionId: string): number {
    return this.db.prepare("SELECT count(*) FROM unmatched WHERE connection_id = ? AND status = 'open'").pluck().get(connectionId) as number;
  }

  resolve(id: string, status: Exclude<UnmatchedStatus, 'open'>, by: string, weddingIds: string[], at: number): void {
    this.db.prepare('UPDATE unmatched SET status = ?, resolved_by = ?, wedding_ids = ?, updated_at = ? WHERE id = ?').run(status, by, JSON.stringify(weddingIds), at, id);
  }

  /** The external record was deleted before anyone took it in. */
  forget(connectionId: string, entity: string, externalId: string): void {
    this.db.prepare("DELETE FROM unmatched WHERE connection_id = ? AND entity = ? AND external_id = ? AND status IN ('open', 'ignored')").run(connectionId, entity, opaqueText(externalId));
  }
}

/** UnmatchedRecords over a SQLite UnmatchedStore. */
export function sqliteUnmatchedRecords(store: UnmatchedStore): UnmatchedRecords {
  return resolving(store, ['put', 'byRecord', 'get', 'list', 'openWithReference', 'openCount', 'resolve', 'forget'] as const);
}
