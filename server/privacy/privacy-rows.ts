import { REDACTED, jsonMentions, mentions, redactStoredText } from './redaction.ts';

/**
 * The stored rows of one wedding that may hold a person's data, found and redacted in place: the
 * rows stay (their ids, times, statuses, counts), only the text that names the person changes. On
 * either backend: `sqlitePrivacyRows` (sqlite-privacy-rows.ts) or `postgresPrivacyRows`
 * (postgres-privacy-rows.ts), behind PrivacyRows.
 *
 * Each table is listed with its free-text columns. Rows are pre-selected by a substring test on the
 * lower-cased needles (cheap) and then checked with the exact rule of redaction.ts.
 */
export interface RedactableTable {
  table: string;
  columns: readonly string[];
  /** How the table's rows belong to wedding `$w` (SQL with the one parameter written `$w`). @default `wedding_id = $w` */
  scope?: string;
  /** PostgreSQL: the columns that identify a row (its primary key); SQLite uses the rowid. */
  key: readonly string[];
}

const BY_INTEGRATION = 'integration_id IN (SELECT id FROM integrations WHERE wedding_id = $w)';
const ID = ['id'] as const;

/** The tables both backends hold. */
export const REDACTABLE_TABLES: readonly RedactableTable[] = [
  { table: 'inbox', columns: ['payload', 'result', 'last_error'], key: ID },
  { table: 'outbox', columns: ['payload', 'last_error'], key: ID },
  { table: 'audit', columns: ['detail'], key: ID },
  { table: 'activity', columns: ['previous', 'value', 'actor_name'], key: ID },
  { table: 'comms_jobs', columns: ['payload', 'last_error'], key: ID },
  { table: 'integrations', columns: ['last_error'], key: ID },
  { table: 'vendor_bookings', columns: ['title'], key: ['wedding_id', 'event_id', 'vendor_id'] },
  { table: 'snapshots', columns: ['label'], key: ID },
  // What we last know each external system holds, per linked entity: a copy of the entity.
  { table: 'links', columns: ['last_synced'], scope: BY_INTEGRATION, key: ['integration_id', 'entity', 'entity_id'] },
  { table: 'calendar_busy', columns: ['title'], scope: BY_INTEGRATION, key: ['integration_id', 'external_id', 'start_ms'] },
];

/**
 * The comms tables holding what people wrote or were told: drafts waiting for a planner and the
 * last-seen values notifications quote. On SQLite (rowid); POSTGRES_COMMS_TABLES are the same
 * tables with their keys (migration 025), passed as postgresPrivacyRows' `commsTables`.
 */
export const SQLITE_COMMS_TABLES: readonly RedactableTable[] = [
  { table: 'comms_pending', columns: ['draft'], key: ID },
  { table: 'comms_last_seen', columns: ['value'], key: ID },
];

/** SQLITE_COMMS_TABLES on PostgreSQL (schema/migrations/postgres/025_comms_state.sql). */
export const POSTGRES_COMMS_TABLES: readonly RedactableTable[] = [
  { table: 'comms_pending', columns: ['draft'], key: ID },
  { table: 'comms_last_seen', columns: ['value'], key: ['wedding_id', 'key'] },
];

export type RowCounts = Record<string, number>;

/** A matched row, as exported: its table, its row id and its columns (bytes left out). */
export interface FoundRow {
  table: string;
  row: Record<string, unknown>;
}

/** A stored admin snapshot of a wedding, as erasure rewrites it. */
export interface StoredSnapshot {
  id: string;
  label: string;
  created_at: string;
  state: Uint8Array;
}

/** One audit row recording an erasure (who, when, what kind, counts; never the data). */
export interface ErasureAudit {
  /** ISO 8601 UTC. */
  at: string;
  weddingId: string;
  actor: string;
  entity: string;
  entityId: string | null;
  /** JSON. */
  detail: string;
}

/** What an erasure does to one wedding's rows, in one transaction (PrivacyRows.eraseInWedding). */
export interface WeddingRowsErasure {
  /** The erased snapshot state, or null when the snapshot does not hold the person (left as is). */
  rewriteSnapshot(state: Uint8Array): Uint8Array | null;
  /** Null: nothing to redact by text (no needles). */
  re: RegExp | null;
  needles: string[];
  /** The document entry that is the person: its recorded activity values are replaced (all fields of a contact). */
  entry?: { root: string; id: string; allFields: boolean };
}

/** How many rows of each account table an erasure of a person took (sessions are revoked by the caller). */
export interface AccountErasure {
  identities: number;
  memberships: number;
  participations: number;
  passkeys: number;
  emailLinks: number;
  invitations: number;
  activityNames: number;
}

/**
 * The privacy service's reads and writes of stored rows, on either backend. Every method rejects
 * with the backend's error. Byte states are Yjs updates; times as each table stores them.
 */
export interface PrivacyRows {
  /** The e-mail addresses of a person's sign-in identities. */
  identityEmails(personId: string): Promise<string[]>;
  /** Whether the document `name` is stored (state or log). */
  documentExists(name: string): Promise<boolean>;
  /** Every stored byte array of the document: its state, its log, and rows folded but not yet trimmed. */
  storedHistory(name: string): Promise<Uint8Array[]>;
  /** A wedding's snapshots, oldest first. */
  snapshots(weddingId: string): Promise<StoredSnapshot[]>;
  /** Activity rows about one document entry (its fields' previous and new values), oldest first. */
  entryActivity(weddingId: string, root: string, entityId: string): Promise<Record<string, unknown>[]>;
  /** Rows of `weddingId` whose text mentions a needle. */
  find(weddingId: string, re: RegExp, needles: string[]): Promise<FoundRow[]>;
  /** The system of each integration id (absent: no such integration). */
  systems(integrationIds: string[]): Promise<Map<string, string>>;
  /** A person's account records (secrets, hashes and public keys left out). */
  account(personId: string): Promise<Record<string, unknown>>;
  /**
   * In ONE transaction: each snapshot of the wedding rewritten by `rewriteSnapshot`, every matching
   * text of its rows redacted, and the entry's activity values replaced. Returns the snapshots
   * rewritten and the rows changed per table.
   */
  eraseInWedding(weddingId: string, erasure: WeddingRowsErasure): Promise<{ snapshotsRewritten: number; rows: RowCounts }>;
  /** In one transaction: deletes the person and what hangs off the account, e-mail links and invitations to `emails`; names in activity erased. */
  eraseAccount(personId: string, emails: string[]): Promise<AccountErasure>;
  /** Writes the audit rows, in one transaction. */
  recordErasures(rows: readonly ErasureAudit[]): Promise<void>;
  /**
   * Makes the bytes replaced by the erasure unreadable where the backend can: SQLite empties its
   * WAL (TRUNCATE checkpoint; its pages are zeroed by secure_delete). PostgreSQL cannot from here:
   * old row versions stay in the table files until VACUUM reuses their space, and in the WAL
   * until it is recycled (docs/privacy.md).
   */
  scrub(): Promise<void>;
}

/** Activity fields of a vendor entry that are personal (the rest: category, status, links, is business data). */
export const VENDOR_PERSONAL_FIELDS = ['', 'name', 'email', 'phone', 'notes'];

/** The JSON text every erased activity value becomes. */
export const ERASED_VALUE = JSON.stringify(REDACTED);

/** Whether one of `row`'s `columns` mentions the person (as text, or inside JSON text). */
export function rowMentions(row: Record<string, unknown>, columns: readonly string[], re: RegExp): boolean {
  return columns.some((c) => typeof row[c] === 'string' && textMentions(row[c], re));
}

/** The redacted value of each of `row`'s `columns` that mentions the person. */
export function redactedColumns(row: Record<string, unknown>, columns: readonly string[], re: RegExp): Record<string, string> {
  const next: Record<string, string> = {};
  for (const c of columns) {
    const v = row[c];
    if (typeof v === 'string' && textMentions(v, re)) next[c] = redactStoredText(v, re);
  }
  return next;
}

function textMentions(text: string, re: RegExp): boolean {
  return mentions(text, re) || jsonMentions(parse(text), re);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
