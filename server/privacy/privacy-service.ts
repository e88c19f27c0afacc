import * as Y from 'yjs';
import { CONTACT_REMOVALS_ROOT, WeddingDoc, adminOrigin, documentNameFor } from '../../schema/index.ts';
import type { CollabServer } from '../collab/collab-server.ts';
import { HttpError } from '../http/http-error.ts';
import type { Logger } from '../logger.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import type { Db } from '../storage/database.ts';
import type { DocumentStore } from '../storage/document-store.ts';
import { truncateWal } from '../storage/scrub.ts';
import { PrivacyRows, type FoundRow, type RowCounts } from './privacy-rows.ts';
import { findInDocument, needleList, needleRegex, redactDocument, type Mention, type Needles } from './redaction.ts';
import { ENTRY_ROOT, type DataSubject } from './subject.ts';

/**
 * Export (GDPR art. 15 and 20) and erasure (art. 17) of one person's data: a person with an
 * account, or a contact or vendor entry of a wedding (server/privacy/subject.ts). docs/privacy.md.
 *
 * Erasure, per wedding concerned:
 * 1. the live document: the entry is removed (contact) or its contact details cleared (vendor), and
 *    every other mention of the person's name, e-mail or phone is redacted, as new operations with
 *    an admin origin, so connected clients see it go;
 * 2. history: the document is compacted from its live copy, which garbage-collects deleted content
 *    (Y.Doc gc), so documents.state holds no deleted text and the update log rows (which hold the
 *    old values) are deleted;
 * 3. each snapshot holding the person is decoded, erased the same way, and re-encoded with gc: the
 *    rest of it stays restorable;
 * 4. inbox/outbox payloads, audit details, activity values, comms jobs and drafts are redacted in
 *    place (rows kept);
 * then one audit row per wedding records the erasure (who, when, what kind, counts; not the data),
 * and the WAL is checkpointed (TRUNCATE). The database runs with secure_delete on
 * (server/storage/database.ts), so freed pages and cells are zeroed rather than left readable.
 */
export interface PrivacyDeps {
  db: Db;
  people: PeopleStore;
  sessions: SessionStore;
  collab: CollabServer;
  documents: DocumentStore;
  logger: Logger;
}

interface Scope {
  weddingId: string;
  /** The document entry that is the person (contact / vendor subjects). */
  entry?: { root: 'contacts' | 'vendors'; id: string };
}

export interface WeddingErasure {
  weddingId: string;
  /** Places in the live document changed (the entry counts as one). */
  documentChanges: number;
  snapshotsRewritten: number;
  rows: RowCounts;
  /** False when stored history could not be compacted (see the log); the live document is erased. */
  historyCompacted: boolean;
}

const ERASED_VENDOR_NAME = 'Erased vendor';

export class PrivacyService {
  private readonly rows: PrivacyRows;

  constructor(private readonly deps: PrivacyDeps) {
    this.rows = new PrivacyRows(deps.db);
  }

  // ── who the person is ────────────────────────────────────────────────────────────────────────
  private async scopes(subject: DataSubject): Promise<Scope[]> {
    if (subject.kind === 'person') return (await this.deps.people.weddingsFor(subject.personId)).map((w) => ({ weddingId: w.weddingId }));
    return [{ weddingId: subject.weddingId, entry: { root: ENTRY_ROOT[subject.kind], id: subject.entityId } }];
  }

  private hasDocument(weddingId: string): boolean {
    const name = documentNameFor(weddingId);
    return Boolean(this.deps.collab.persistence.loadedDocument(name)) || this.deps.documents.exists(name);
  }

  /**
   * Every name, e-mail address and phone number the person was known by: the live entry, each
   * snapshot's copy and every value the activity trail recorded for those fields (old spellings
   * and old addresses included), or the person's account and sign-in identities.
   */
  private async needles(subject: DataSubject): Promise<Needles> {
    const n: Needles = { names: [], emails: [], phones: [] };
    const add = (fields: Record<string, unknown> | undefined) => {
      if (!fields) return;
      if (typeof fields.name === 'string') n.names.push(fields.name);
      if (typeof fields.email === 'string') n.emails.push(fields.email);
      if (typeof fields.phone === 'string') n.phones.push(fields.phone);
    };
    if (subject.kind === 'person') {
      const person = await this.deps.people.getPerson(subject.personId);
      if (!person) throw new HttpError(404, 'person_unknown', `no person ${subject.personId}`);
      add(person as unknown as Record<string, unknown>);
      const ids = this.deps.db.prepare('SELECT email FROM person_identities WHERE person_id = ? AND email IS NOT NULL').pluck().all(subject.personId) as string[];
      n.emails.push(...ids);
      return n;
    }
    const root = ENTRY_ROOT[subject.kind];
    if (this.hasDocument(subject.weddingId)) {
      add(await this.deps.collab.withDocument(subject.weddingId, (doc) => entryFields(doc, root, subject.entityId)));
    }
    for (const snap of this.snapshotStates(subject.weddingId)) add(withDoc(snap.state, (doc) => entryFields(doc, root, subject.entityId)));
    for (const row of this.rows.entryActivity(subject.weddingId, root, subject.entityId)) {
      for (const column of ['previous', 'value'] as const) {
        const value = parseJson(row[column]);
        if (row.field === '' && value && typeof value === 'object') add(value as Record<string, unknown>);
        else if (typeof value === 'string' && typeof row.field === 'string') add({ [row.field]: value });
      }
    }
    if (n.names.length + n.emails.length + n.phones.length === 0) throw new HttpError(404, 'person_unknown', `wedding ${subject.weddingId} holds nothing about ${subject.kind} ${subject.entityId}`);
    return n;
  }

  private snapshotStates(weddingId: string): { id: string; label: string; created_at: string; state: Uint8Array }[] {
    return this.deps.db.prepare('SELECT id, label, created_at, state FROM snapshots WHERE wedding_id = ? ORDER BY created_at').all(weddingId) as { id: string; label: string; created_at: string; state: Uint8Array }[];
  }

  // ── export ───────────────────────────────────────────────────────────────────────────────────
  /** Everything held about the person, as JSON (docs/privacy.md "Export"). Throws HttpError 404 `person_unknown`. */
  async export(subject: DataSubject): Promise<Record<string, unknown>> {
    const needles = await this.needles(subject);
    const re = needleRegex(needles);
    const list = needleList(needles);
    const weddings = [];
    for (const scope of await this.scopes(subject)) {
      const root = scope.entry?.root;
      const doc = this.hasDocument(scope.weddingId)
        ? await this.deps.collab.withDocument(scope.weddingId, (d) => ({
            entry: scope.entry ? entryJson(d, scope.entry.root, scope.entry.id) : null,
            mentions: re ? findInDocument(d, re) : [],
            messages: new WeddingDoc(d).listMessages().filter((m) => scope.entry && m.recipientIds.includes(scope.entry.id)),
          }))
        : { entry: null, mentions: [] as Mention[], messages: [] };
      const snapshots = this.snapshotStates(scope.weddingId).map((s) => withDoc(s.state, (d) => ({
        id: s.id, label: s.label, createdAt: s.created_at,
        entry: scope.entry ? entryJson(d, scope.entry.root, scope.entry.id) : null,
        mentions: re ? findInDocument(d, re) : [],
      }))).filter((s) => s.entry !== null || s.mentions.length > 0);
      const rows: FoundRow[] = re ? this.rows.find(scope.weddingId, re, list) : [];
      const entryActivity = scope.entry && root ? this.rows.entryActivity(scope.weddingId, root, scope.entry.id) : [];
      weddings.push({
        weddingId: scope.weddingId,
        document: doc,
        snapshots,
        activity: entryActivity,
        rows,
        externalSystems: this.systemsOf(rows),
      });
    }
    return { subject, exportedAt: new Date().toISOString(), identifiers: needles, ...(subject.kind === 'person' ? { account: this.account(subject.personId) } : {}), weddings };
  }

  /** The integrations (systems) that were sent or sent us data naming the person: copies outside our store. */
  private systemsOf(rows: FoundRow[]): { integrationId: string; system: string }[] {
    const ids = [...new Set(rows.filter((r) => ['inbox', 'outbox', 'links'].includes(r.table)).map((r) => String(r.row.integration_id)))];
    return ids.map((id) => ({ integrationId: id, system: (this.deps.db.prepare('SELECT system FROM integrations WHERE id = ?').pluck().get(id) as string | undefined) ?? 'unknown' }));
  }

  /** A person's account records (secrets, hashes and public keys left out). */
  private account(personId: string): Record<string, unknown> {
    const all = (sql: string, ...args: unknown[]) => this.deps.db.prepare(sql).all(...args);
    const person = this.deps.db.prepare('SELECT id, email, name, created_at FROM people WHERE id = ?').get(personId) as { email: string | null } | undefined;
    return {
      person,
      identities: all('SELECT issuer, subject, email, created_at FROM person_identities WHERE person_id = ?', personId),
      workspaces: all('SELECT m.workspace_id, w.name AS workspace_name, m.role, m.created_at FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.person_id = ?', personId),
      participations: all('SELECT id, wedding_id, role, vendor_id, created_at FROM participants WHERE person_id = ?', personId),
      sessions: all('SELECT id, method, user_agent, ip, created_at, last_seen_at, expires_at, revoked_at FROM sessions WHERE person_id = ?', personId),
      passkeys: all('SELECT id, name, device_type, backed_up, created_at, last_used_at FROM passkeys WHERE person_id = ?', personId),
      emailLinks: person?.email ? all('SELECT id, email, redirect, ip, created_at, expires_at, used_at FROM email_link_tokens WHERE email = ?', person.email) : [],
      invitations: person?.email ? all('SELECT id, wedding_id, role, email, created_at, expires_at, uses, revoked_at FROM invitations WHERE email = ?', person.email) : [],
      activityAsActor: all('SELECT id, wedding_id, at, root, entity_id, field, actor_name, actor_role FROM activity WHERE actor_id = ? ORDER BY id', personId),
    };
  }

  // ── erasure ──────────────────────────────────────────────────────────────────────────────────
  /** Erases the person everywhere (class comment). `by`: who asked (audit actor). Throws HttpError 404 `person_unknown`. */
  async erase(subject: DataSubject, by: string): Promise<{ subject: DataSubject; erasedAt: string; weddings: WeddingErasure[]; account?: Record<string, number> }> {
    const needles = await this.needles(subject);
    const re = needleRegex(needles);
    const list = needleList(needles);
    const scopes = await this.scopes(subject);
    const weddings: WeddingErasure[] = [];
    for (const scope of scopes) weddings.push(await this.eraseInWedding(scope, re, list, by));
    let account: Record<string, number> | undefined;
    if (subject.kind === 'person') account = await this.eraseAccount(subject.personId, needles.emails);
    const erasedAt = new Date().toISOString();
    this.deps.db.transaction(() => {
      const audit = this.deps.db.prepare(`INSERT INTO audit (at, wedding_id, integration_id, actor, action, entity, entity_id, result, detail) VALUES (?, ?, NULL, ?, 'privacy.erased', ?, ?, 'ok', ?)`);
      // The entity id of a contact or vendor is an opaque id, not the data; a person is recorded by kind only.
      const entity = subject.kind === 'person' ? 'people' : ENTRY_ROOT[subject.kind];
      const entityId = subject.kind === 'person' ? null : subject.entityId;
      for (const w of weddings) audit.run(erasedAt, w.weddingId, by, entity, entityId, JSON.stringify({ kind: subject.kind, documentChanges: w.documentChanges, snapshotsRewritten: w.snapshotsRewritten, rows: w.rows, historyCompacted: w.historyCompacted, ...(account ? { account } : {}) }));
      if (weddings.length === 0) audit.run(erasedAt, '', by, entity, entityId, JSON.stringify({ kind: subject.kind, account }));
    })();
    // The old pages are in the WAL until a checkpoint copies the new ones over them and empties it.
    truncateWal(this.deps.db);
    this.deps.logger.info({ kind: subject.kind, by, weddings: weddings.length }, 'personal data erased');
    return { subject, erasedAt, weddings, ...(account ? { account } : {}) };
  }

  private async eraseInWedding(scope: Scope, re: RegExp | null, list: string[], by: string): Promise<WeddingErasure> {
    const { weddingId, entry } = scope;
    const name = documentNameFor(weddingId);
    let documentChanges = 0;
    let historyCompacted = true;
    if (this.hasDocument(weddingId)) {
      const persistence = this.deps.collab.persistence;
      await this.deps.collab.withDocument(weddingId, async (doc) => {
        doc.transact(() => { documentChanges = eraseIn(doc, entry, re); }, adminOrigin('privacy.erase', by));
        // The erasure is stored (and the activity rows it wrote), then history is folded with gc:
        // compaction runs after any fold already under way, which would otherwise write older state.
        persistence.group.commit();
        await persistence.compact(name, doc);
        await persistence.compacted(name);
      });
      const stored = this.deps.documents.load(name);
      // Folded rows not yet trimmed (storage turned read-only mid-trim) still hold the old history.
      historyCompacted = !holdsAny([stored.state, ...stored.log, ...this.deps.documents.foldedRows(name)], list);
      if (!historyCompacted) this.deps.logger.error({ weddingId }, 'erasure: stored history still holds the person (undecodable rows or storage read-only); the live document is erased');
    }
    let snapshotsRewritten = 0;
    let rows: RowCounts = {};
    this.deps.db.transaction(() => {
      const update = this.deps.db.prepare('UPDATE snapshots SET state = ?, size_bytes = ? WHERE id = ?');
      for (const snap of this.snapshotStates(weddingId)) {
        const doc = new Y.Doc({ gc: true });
        try {
          Y.applyUpdate(doc, snap.state);
          let changed = 0;
          doc.transact(() => { changed = eraseIn(doc, entry, re); });
          if (changed === 0) continue;
          const state = Y.encodeStateAsUpdate(doc);
          update.run(state, state.byteLength, snap.id);
          snapshotsRewritten++;
        } finally {
          doc.destroy();
        }
      }
      rows = re ? this.rows.redact(weddingId, re, list) : {};
      if (entry) {
        const n = this.rows.redactEntryActivity(weddingId, entry.root, entry.id, entry.root === 'contacts');
        if (n) rows.activity = (rows.activity ?? 0) + n;
      }
    })();
    return { weddingId, documentChanges, snapshotsRewritten, rows, historyCompacted };
  }

  /** Ends the person's sessions (their sockets close) and deletes the account and what hangs off it. */
  private async eraseAccount(personId: string, emails: string[]): Promise<Record<string, number>> {
    const sessions = (await this.deps.sessions.revokeAll(personId)).length;
    const db = this.deps.db;
    return db.transaction(() => {
      const count = (sql: string) => db.prepare(sql).pluck().get(personId) as number;
      const out = {
        sessions,
        identities: count('SELECT count(*) FROM person_identities WHERE person_id = ?'),
        memberships: count('SELECT count(*) FROM workspace_members WHERE person_id = ?'),
        participations: count('SELECT count(*) FROM participants WHERE person_id = ?'),
        passkeys: count('SELECT count(*) FROM passkeys WHERE person_id = ?'),
        emailLinks: 0,
        invitations: 0,
        activityNames: 0,
      };
      for (const email of emails) {
        out.emailLinks += db.prepare('DELETE FROM email_link_tokens WHERE email = ?').run(email).changes;
        out.invitations += db.prepare('DELETE FROM invitations WHERE email = ?').run(email).changes;
      }
      out.activityNames = db.prepare('UPDATE activity SET actor_name = ? WHERE actor_id = ? AND actor_name IS NOT NULL').run('[erased]', personId).changes;
      // Identities, memberships, participations, sessions and passkeys go with the person (ON DELETE CASCADE).
      db.prepare('DELETE FROM people WHERE id = ?').run(personId);
      return out;
    })();
  }
}

/** Removes a contact entry or clears a vendor entry's contact details, then redacts every mention; returns places changed. */
function eraseIn(doc: Y.Doc, entry: Scope['entry'], re: RegExp | null): number {
  let changed = 0;
  if (entry) {
    // The record of a removed contact keeps its name and e-mail: erased with it.
    const removals = doc.getMap(CONTACT_REMOVALS_ROOT);
    if (entry.root === 'contacts' && removals.has(entry.id)) { removals.delete(entry.id); changed++; }
    const map = doc.getMap(entry.root);
    const value = map.get(entry.id);
    if (entry.root === 'contacts' && value !== undefined) {
      map.delete(entry.id);
      changed++;
    } else if (entry.root === 'vendors' && value instanceof Y.Map) {
      if (value.get('name') !== ERASED_VENDOR_NAME) { value.set('name', ERASED_VENDOR_NAME); changed++; }
      for (const field of ['email', 'phone'] as const) if (value.get(field)) { value.set(field, ''); changed++; }
      if (value.has('notes')) { value.delete('notes'); changed++; }
    }
  }
  if (re) changed += redactDocument(doc, re);
  return changed;
}

function entryFields(doc: Y.Doc, root: string, id: string): Record<string, unknown> | undefined {
  const value = doc.getMap(root).get(id);
  return value instanceof Y.Map ? (value.toJSON() as Record<string, unknown>) : undefined;
}

function entryJson(doc: Y.Doc, root: string, id: string): Record<string, unknown> | null {
  return entryFields(doc, root, id) ?? null;
}

function withDoc<T>(state: Uint8Array, fn: (doc: Y.Doc) => T): T {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return fn(doc);
  } finally {
    doc.destroy();
  }
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether any of the stored byte arrays contains a needle's UTF-8 bytes (case-insensitive for ASCII letters). */
function holdsAny(chunks: (Uint8Array | null)[], needles: string[]): boolean {
  const text = Buffer.concat(chunks.filter((c): c is Uint8Array => c !== null)).toString('latin1').toLowerCase();
  return needles.some((n) => text.includes(Buffer.from(n, 'utf8').toString('latin1').toLowerCase()));
}
