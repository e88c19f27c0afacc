import type { Db } from '../storage/database.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import { truncateWal } from '../storage/scrub.ts';
import {
  ERASED_VALUE, REDACTABLE_TABLES, SQLITE_COMMS_TABLES, VENDOR_PERSONAL_FIELDS, redactedColumns, rowMentions,
  type AccountErasure, type FoundRow, type PrivacyRows, type RedactableTable, type RowCounts, type StoredSnapshot,
} from './privacy-rows.ts';

/** The tables in the order the SQLite store always walked them (the comms tables after the jobs). */
const TABLES: readonly RedactableTable[] = (() => {
  const at = REDACTABLE_TABLES.findIndex((t) => t.table === 'comms_jobs') + 1;
  return [...REDACTABLE_TABLES.slice(0, at), ...SQLITE_COMMS_TABLES, ...REDACTABLE_TABLES.slice(at)];
})();

/**
 * PrivacyRows on the embedded SQLite database, synchronous underneath: rows are found by rowid and
 * each wedding's rewrite is one SQLite transaction. `documents` is the SQLite document store (the
 * stored history, folded rows not yet trimmed included).
 */
export function sqlitePrivacyRows(db: Db, documents: DocumentStore): PrivacyRows {
  const candidates = (t: RedactableTable, weddingId: string, needles: string[]): Record<string, unknown>[] => {
    if (needles.length === 0) return [];
    const cols = t.table === 'snapshots' ? 'rowid AS _rowid, id, wedding_id, label, kind, created_at, created_by, size_bytes' : 'rowid AS _rowid, *';
    const where = t.columns.flatMap((c) => needles.map(() => `instr(lower(${c}), ?) > 0`)).join(' OR ');
    const args = t.columns.flatMap(() => needles);
    const scope = (t.scope ?? 'wedding_id = $w').replace('$w', '?');
    return db.prepare(`SELECT ${cols} FROM ${t.table} WHERE ${scope} AND (${where})`).all(weddingId, ...args) as Record<string, unknown>[];
  };
  const snapshots = (weddingId: string) =>
    db.prepare('SELECT id, label, created_at, state FROM snapshots WHERE wedding_id = ? ORDER BY created_at').all(weddingId) as StoredSnapshot[];

  return {
    async identityEmails(personId) {
      return db.prepare('SELECT email FROM person_identities WHERE person_id = ? AND email IS NOT NULL').pluck().all(personId) as string[];
    },
    async documentExists(name) {
      return documents.exists(name);
    },
    async storedHistory(name) {
      const stored = documents.load(name);
      return [...(stored.state ? [stored.state] : []), ...stored.log, ...documents.foldedRows(name)];
    },
    async snapshots(weddingId) {
      return snapshots(weddingId);
    },
    async entryActivity(weddingId, root, entityId) {
      return db.prepare('SELECT * FROM activity WHERE wedding_id = ? AND root = ? AND entity_id = ? ORDER BY id').all(weddingId, root, entityId) as Record<string, unknown>[];
    },
    async find(weddingId, re, needles) {
      const found: FoundRow[] = [];
      for (const t of TABLES) {
        for (const row of candidates(t, weddingId, needles)) {
          if (!rowMentions(row, t.columns, re)) continue;
          const { _rowid, ...rest } = row;
          found.push({ table: t.table, row: { rowid: _rowid, ...rest } });
        }
      }
      return found;
    },
    async systems(integrationIds) {
      const get = db.prepare('SELECT system FROM integrations WHERE id = ?').pluck();
      const out = new Map<string, string>();
      for (const id of integrationIds) {
        const system = get.get(id) as string | undefined;
        if (system !== undefined) out.set(id, system);
      }
      return out;
    },
    async account(personId) {
      const all = (sql: string, ...args: unknown[]) => db.prepare(sql).all(...args);
      const person = db.prepare('SELECT id, email, name, created_at FROM people WHERE id = ?').get(personId) as { email: string | null } | undefined;
      return {
        person,
        identities: all('SELECT issuer, subject, email, created_at FROM person_identities WHERE person_id = ?', personId),
        workspaces: all('SELECT m.workspace_id, w.name AS workspace_name, m.role, m.created_at FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.person_id = ?', personId),
        participations: all('SELECT id, wedding_id, role, vendor_id, created_at FROM participants WHERE person_id = ?', personId),
        sessions: all('SELECT id, method, user_agent, ip, created_at, last_seen_at, expires_at, revoked_at FROM sessions WHERE person_id = ?', personId),
        passkeys: all('SELECT id, name, device_type, backed_up, created_at, last_used_at FROM passkeys WHERE person_id = ?', personId),
        // Links to their address, and links that would add an address to them (POST /api/me/email).
        emailLinks: all('SELECT id, email, redirect, ip, created_at, expires_at, used_at FROM email_link_tokens WHERE email = ? OR person_id = ?', person?.email ?? null, personId),
        invitations: person?.email ? all('SELECT id, wedding_id, role, email, created_at, expires_at, uses, revoked_at FROM invitations WHERE email = ?', person.email) : [],
        activityAsActor: all('SELECT id, wedding_id, at, root, entity_id, field, actor_name, actor_role FROM activity WHERE actor_id = ? ORDER BY id', personId),
      };
    },
    async eraseInWedding(weddingId, { rewriteSnapshot, re, needles, entry }) {
      return db.transaction(() => {
        let snapshotsRewritten = 0;
        const update = db.prepare('UPDATE snapshots SET state = ?, size_bytes = ? WHERE id = ?');
        for (const snap of snapshots(weddingId)) {
          const state = rewriteSnapshot(snap.state);
          if (!state) continue;
          update.run(state, state.byteLength, snap.id);
          snapshotsRewritten++;
        }
        const rows: RowCounts = {};
        for (const t of re ? TABLES : []) {
          for (const row of candidates(t, weddingId, needles)) {
            const next = redactedColumns(row, t.columns, re!);
            const cols = Object.keys(next);
            if (cols.length === 0) continue;
            db.prepare(`UPDATE ${t.table} SET ${cols.map((c) => `${c} = ?`).join(', ')} WHERE rowid = ?`).run(...cols.map((c) => next[c]), row._rowid);
            rows[t.table] = (rows[t.table] ?? 0) + 1;
          }
        }
        if (entry) {
          // A contact's every field is the person's; of a vendor entry, its personal fields (VENDOR_PERSONAL_FIELDS).
          const fields = entry.allFields ? null : VENDOR_PERSONAL_FIELDS;
          const filter = fields ? `AND field IN (${fields.map(() => '?').join(', ')})` : '';
          const n = db.prepare(`UPDATE activity SET
              previous = CASE WHEN previous IS NULL THEN NULL ELSE ? END,
              value = CASE WHEN value IS NULL THEN NULL ELSE ? END
            WHERE wedding_id = ? AND root = ? AND entity_id = ? ${filter}
              AND (coalesce(previous, '') <> ? OR coalesce(value, '') <> ?)`)
            .run(ERASED_VALUE, ERASED_VALUE, weddingId, entry.root, entry.id, ...(fields ?? []), ERASED_VALUE, ERASED_VALUE).changes;
          if (n) rows.activity = (rows.activity ?? 0) + n;
        }
        return { snapshotsRewritten, rows };
      })();
    },
    async eraseAccount(personId, emails) {
      return db.transaction((): AccountErasure => {
        const count = (sql: string) => db.prepare(sql).pluck().get(personId) as number;
        const out: AccountErasure = {
          identities: count('SELECT count(*) FROM person_identities WHERE person_id = ?'),
          memberships: count('SELECT count(*) FROM workspace_members WHERE person_id = ?'),
          participations: count('SELECT count(*) FROM participants WHERE person_id = ?'),
          passkeys: count('SELECT count(*) FROM passkeys WHERE person_id = ?'),
          emailLinks: 0,
          invitations: 0,
          activityNames: 0,
        };
        out.emailLinks += db.prepare('DELETE FROM email_link_tokens WHERE person_id = ?').run(personId).changes;
        for (const email of emails) {
          out.emailLinks += db.prepare('DELETE FROM email_link_tokens WHERE email = ?').run(email).changes;
          out.invitations += db.prepare('DELETE FROM invitations WHERE email = ?').run(email).changes;
        }
        out.activityNames = db.prepare('UPDATE activity SET actor_name = ? WHERE actor_id = ? AND actor_name IS NOT NULL').run('[erased]', personId).changes;
        // Identities, memberships, participations, sessions and passkeys go with the person (ON DELETE CASCADE).
        db.prepare('DELETE FROM people WHERE id = ?').run(personId);
        return out;
      })();
    },
    async recordErasures(entries) {
      const audit = db.prepare(`INSERT INTO audit (at, wedding_id, integration_id, actor, action, entity, entity_id, result, detail) VALUES (?, ?, NULL, ?, 'privacy.erased', ?, ?, 'ok', ?)`);
      db.transaction(() => { for (const a of entries) audit.run(a.at, a.weddingId, a.actor, a.entity, a.entityId, a.detail); })();
    },
    async scrub() {
      // The old pages are in the WAL until a checkpoint copies the new ones over them and empties it.
      truncateWal(db);
    },
  };
}
