import pg from 'pg';
import { inTransaction } from '../storage/postgres/pool.ts';
import { storableText } from '../storage/storable-text.ts';
import {
  ERASED_VALUE, REDACTABLE_TABLES, VENDOR_PERSONAL_FIELDS, redactedColumns, rowMentions,
  type AccountErasure, type FoundRow, type PrivacyRows, type RedactableTable, type RowCounts, type StoredSnapshot,
} from './privacy-rows.ts';

type Queryable = pg.ClientBase | pg.Pool;

const INT8 = 20;
/** bigint columns read as numbers (ids and ms times; all below 2^53), as SQLite gives them: for what is exported. */
const NUMBERS: pg.CustomTypesConfig = { getTypeParser: ((oid: number, format?: string) => oid === INT8 ? Number : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'] };

export interface PostgresPrivacyRowsOptions {
  /**
   * Tables of other storage to search and redact as well (each with its key): the comms storage's
   * drafts (`comms_pending`) and last-seen values (`comms_last_seen`) once they live on PostgreSQL.
   * @default none: those tables are not on PostgreSQL yet (SQLITE_COMMS_TABLES)
   */
  commsTables?: readonly RedactableTable[];
}

/**
 * PrivacyRows on PostgreSQL (the tables of migrations 001–022). Rows are found by their primary
 * key; each wedding's rewrite (snapshots, rows, the entry's activity) and each account's deletion
 * is one transaction on the pool. Unlike SQLite, the tables without a foreign key to `people`
 * (sessions, passkeys: migrations 008, 009) are deleted explicitly with the person. Texts written
 * are storable (U+0000 and lone surrogates as U+FFFD; they were stored so).
 */
export function postgresPrivacyRows(pool: pg.Pool, options: PostgresPrivacyRowsOptions = {}): PrivacyRows {
  const tables = [...REDACTABLE_TABLES, ...(options.commsTables ?? [])];
  const candidates = async (client: Queryable, t: RedactableTable, weddingId: string, needles: string[], types?: pg.CustomTypesConfig) => {
    if (needles.length === 0) return [];
    const cols = t.table === 'snapshots' ? 'id, wedding_id, label, kind, created_at, created_by, size_bytes' : '*';
    const where = t.columns.flatMap((c, i) => needles.map((_n, j) => `strpos(lower(${c}), $${2 + i * needles.length + j}) > 0`)).join(' OR ');
    const text = `SELECT ${cols} FROM ${t.table} WHERE ${(t.scope ?? 'wedding_id = $w').replace('$w', '$1')} AND (${where}) ORDER BY ${t.key.join(', ')}`;
    return (await client.query<Record<string, unknown>>({ text, values: [weddingId, ...t.columns.flatMap(() => needles)], ...(types ? { types } : {}) })).rows;
  };
  const snapshots = async (client: Queryable, weddingId: string) => (await client.query<StoredSnapshot>(
    'SELECT id, label, created_at, state FROM snapshots WHERE wedding_id = $1 ORDER BY created_at COLLATE "C", position', [weddingId])).rows
    .map((s) => ({ ...s, state: new Uint8Array(s.state) }));
  const all = async (sql: string, ...values: unknown[]) => (await pool.query({ text: sql, values, types: NUMBERS })).rows;

  return {
    async identityEmails(personId) {
      return (await pool.query<{ email: string }>('SELECT email FROM person_identities WHERE person_id = $1 AND email IS NOT NULL', [personId])).rows.map((r) => r.email);
    },
    async documentExists(name) {
      const { rows } = await pool.query(`SELECT EXISTS (SELECT 1 FROM documents WHERE name = $1) OR EXISTS (SELECT 1 FROM document_updates WHERE name = $1) AS found`, [name]);
      return rows[0].found === true;
    },
    async storedHistory(name) {
      // Compaction trims the rows it folds in its own transaction (compactUpTo): none wait to be trimmed.
      const { rows } = await pool.query<{ bytes: Buffer }>(`SELECT state AS bytes FROM documents WHERE name = $1
        UNION ALL SELECT * FROM (SELECT update_data AS bytes FROM document_updates WHERE name = $1 ORDER BY seq) log`, [name]);
      return rows.map((r) => new Uint8Array(r.bytes));
    },
    snapshots: (weddingId) => snapshots(pool, weddingId),
    async entryActivity(weddingId, root, entityId) {
      return all('SELECT * FROM activity WHERE wedding_id = $1 AND root = $2 AND entity_id = $3 ORDER BY id', weddingId, storableText(root), storableText(entityId));
    },
    async find(weddingId, re, needles) {
      const found: FoundRow[] = [];
      for (const t of tables) {
        for (const row of await candidates(pool, t, weddingId, needles, NUMBERS)) if (rowMentions(row, t.columns, re)) found.push({ table: t.table, row });
      }
      return found;
    },
    async systems(integrationIds) {
      const { rows } = await pool.query<{ id: string; system: string }>('SELECT id, system FROM integrations WHERE id = ANY($1::text[])', [integrationIds]);
      return new Map(rows.map((r) => [r.id, r.system]));
    },
    async account(personId) {
      const person = (await all('SELECT id, email, name, created_at FROM people WHERE id = $1', personId))[0] as { email: string | null } | undefined;
      return {
        person,
        identities: await all('SELECT issuer, subject, email, created_at FROM person_identities WHERE person_id = $1', personId),
        workspaces: await all('SELECT m.workspace_id, w.name AS workspace_name, m.role, m.created_at FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.person_id = $1', personId),
        participations: await all('SELECT id, wedding_id, role, vendor_id, created_at FROM participants WHERE person_id = $1', personId),
        sessions: await all('SELECT id, method, user_agent, ip, created_at, last_seen_at, expires_at, revoked_at FROM sessions WHERE person_id = $1', personId),
        passkeys: await all('SELECT id, name, device_type, backed_up, created_at, last_used_at FROM passkeys WHERE person_id = $1', personId),
        // Links to their address, and links that would add an address to them (POST /api/me/email).
        emailLinks: await all('SELECT id, email, redirect, ip, created_at, expires_at, used_at FROM email_link_tokens WHERE email = lower($1) OR person_id = $2', person?.email ?? null, personId),
        invitations: person?.email ? await all('SELECT id, wedding_id, role, email, created_at, expires_at, uses, revoked_at FROM invitations WHERE email = lower($1)', person.email) : [],
        activityAsActor: await all('SELECT id, wedding_id, at, root, entity_id, field, actor_name, actor_role FROM activity WHERE actor_id = $1 ORDER BY id', personId),
      };
    },
    async eraseInWedding(weddingId, { rewriteSnapshot, re, needles, entry }) {
      return inTransaction(pool, async (client) => {
        let snapshotsRewritten = 0;
        for (const snap of await snapshots(client, weddingId)) {
          const state = rewriteSnapshot(snap.state);
          if (!state) continue;
          await client.query('UPDATE snapshots SET state = $1, size_bytes = $2 WHERE id = $3', [Buffer.from(state), state.byteLength, snap.id]);
          snapshotsRewritten++;
        }
        const rows: RowCounts = {};
        for (const t of re ? tables : []) {
          for (const row of await candidates(client, t, weddingId, needles)) {
            const next = redactedColumns(row, t.columns, re!);
            const cols = Object.keys(next);
            if (cols.length === 0) continue;
            const set = cols.map((c, i) => `${c} = $${i + 1}`).join(', ');
            const where = t.key.map((k, i) => `${k} = $${cols.length + i + 1}`).join(' AND ');
            await client.query(`UPDATE ${t.table} SET ${set} WHERE ${where}`, [...cols.map((c) => storableText(next[c]!)), ...t.key.map((k) => row[k])]);
            rows[t.table] = (rows[t.table] ?? 0) + 1;
          }
        }
        if (entry) {
          const fields = entry.allFields ? null : VENDOR_PERSONAL_FIELDS;
          const { rowCount } = await client.query(`UPDATE activity SET
              previous = CASE WHEN previous IS NULL THEN NULL ELSE $1 END,
              value = CASE WHEN value IS NULL THEN NULL ELSE $1 END
            WHERE wedding_id = $2 AND root = $3 AND entity_id = $4 ${fields ? 'AND field = ANY($5::text[])' : ''}
              AND (coalesce(previous, '') <> $1 OR coalesce(value, '') <> $1)`,
          [ERASED_VALUE, weddingId, storableText(entry.root), storableText(entry.id), ...(fields ? [fields] : [])]);
          if (rowCount) rows.activity = (rows.activity ?? 0) + rowCount;
        }
        return { snapshotsRewritten, rows };
      });
    },
    async eraseAccount(personId, emails) {
      return inTransaction(pool, async (client): Promise<AccountErasure> => {
        const count = async (table: string) => Number((await client.query(`SELECT count(*) AS n FROM ${table} WHERE person_id = $1`, [personId])).rows[0].n);
        const out: AccountErasure = {
          identities: await count('person_identities'),
          memberships: await count('workspace_members'),
          participations: await count('participants'),
          passkeys: await count('passkeys'),
          emailLinks: 0,
          invitations: 0,
          activityNames: 0,
        };
        // The stores keep addresses lower-cased (migration 009).
        const lower = [...new Set(emails.map((e) => e.toLowerCase()))];
        out.emailLinks = (await client.query('DELETE FROM email_link_tokens WHERE email = ANY($1::text[]) OR person_id = $2', [lower, personId])).rowCount ?? 0;
        out.invitations = (await client.query('DELETE FROM invitations WHERE email = ANY($1::text[])', [lower])).rowCount ?? 0;
        out.activityNames = (await client.query(`UPDATE activity SET actor_name = '[erased]' WHERE actor_id = $1 AND actor_name IS NOT NULL`, [personId])).rowCount ?? 0;
        // Sessions and passkeys have no foreign key to people (migrations 008, 009); the rest goes with the person (ON DELETE CASCADE).
        await client.query('DELETE FROM sessions WHERE person_id = $1', [personId]);
        await client.query('DELETE FROM passkeys WHERE person_id = $1', [personId]);
        await client.query('DELETE FROM people WHERE id = $1', [personId]);
        return out;
      });
    },
    async recordErasures(entries) {
      if (entries.length === 0) return;
      await inTransaction(pool, async (client) => {
        for (const a of entries) {
          await client.query(`INSERT INTO audit (at, wedding_id, integration_id, actor, action, entity, entity_id, result, detail)
            VALUES ($1, $2, NULL, $3, 'privacy.erased', $4, $5, 'ok', $6)`, [a.at, a.weddingId, storableText(a.actor), a.entity, a.entityId, a.detail]);
        }
      });
    },
    async scrub() {
      // Nothing to do from here (PrivacyRows.scrub).
    },
  };
}
