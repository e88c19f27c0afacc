import * as Y from 'yjs';
import { CONTACT_REMOVALS_ROOT, WeddingDoc, adminOrigin, documentNameFor } from '../../schema/index.ts';
import type { CollabServer } from '../collab/collab-server.ts';
import type { WeddingDocuments } from '../collab/documents-anywhere.ts';
import { HttpError } from '../http/http-error.ts';
import type { Logger } from '../logger.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import type { ErasureAudit, FoundRow, PrivacyRows, RowCounts } from './privacy-rows.ts';
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
 * and the storage is scrubbed where it can be (PrivacyRows.scrub: on SQLite the WAL is checkpointed
 * (TRUNCATE), and the database runs with secure_delete on (server/storage/database.ts), so freed
 * pages and cells are zeroed rather than left readable; PostgreSQL keeps old row versions until
 * VACUUM reuses their space).
 *
 * On either backend (`rows`: sqlitePrivacyRows or postgresPrivacyRows): steps 3 and 4 of one
 * wedding are one transaction; the document goes through its owner's persistence (the live copy's
 * change is stored, then compacted by DurablePersistence, as on any compaction). On PostgreSQL the
 * comms drafts and last-seen values are redacted only once the comms storage passes its tables
 * (PostgresPrivacyRowsOptions.commsTables). A wedding another instance serves is read from what is
 * stored and changed and folded on that instance (DocumentsAnywhere).
 */
export interface PrivacyDeps {
  rows: PrivacyRows;
  people: PeopleStore;
  sessions: SessionStore;
  /**
   * The weddings' documents (changed and folded where each is served: DocumentsAnywhere in a
   * cluster, the CollabServer on one server), and whether one is live here.
   */
  collab: WeddingDocuments & { persistence: Pick<CollabServer['persistence'], 'loadedDocument' | 'barrier'> };
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
    this.rows = deps.rows;
  }

  // ── who the person is ────────────────────────────────────────────────────────────────────────
  private async scopes(subject: DataSubject): Promise<Scope[]> {
    if (subject.kind === 'person') return (await this.deps.people.weddingsFor(subject.personId)).map((w) => ({ weddingId: w.weddingId }));
    return [{ weddingId: subject.weddingId, entry: { root: ENTRY_ROOT[subject.kind], id: subject.entityId } }];
  }

  private async hasDocument(weddingId: string): Promise<boolean> {
    const name = documentNameFor(weddingId);
    return Boolean(this.deps.collab.persistence.loadedDocument(name)) || await this.rows.documentExists(name);
  }

  /**
   * Every name, e-mail address and phone number the person was known by: the live entry, each
   * snapshot's copy and every value the activity trail recorded for those fields (old spellings
   * and old addresses included), or the person's account and sign-in identities.
   */
  private async needles(subject: DataSubject): Promise<Needles> {
    // Everything written before the request is read: on PostgreSQL a change applied a moment ago
    // (its document since closed) is in the stored rows only once its append has committed.
    await new Promise<void>((resolve) => this.deps.collab.persistence.barrier.afterCommit(() => resolve()));
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
      n.emails.push(...await this.rows.identityEmails(subject.personId));
      return n;
    }
    const root = ENTRY_ROOT[subject.kind];
    if (await this.hasDocument(subject.weddingId)) {
      add(await this.deps.collab.withDocument(subject.weddingId, (doc) => entryFields(doc, root, subject.entityId)));
    }
    for (const snap of await this.rows.snapshots(subject.weddingId)) add(withDoc(snap.state, (doc) => entryFields(doc, root, subject.entityId)));
    for (const row of await this.rows.entryActivity(subject.weddingId, root, subject.entityId)) {
      for (const column of ['previous', 'value'] as const) {
        const value = parseJson(row[column]);
        if (row.field === '' && value && typeof value === 'object') add(value as Record<string, unknown>);
        else if (typeof value === 'string' && typeof row.field === 'string') add({ [row.field]: value });
      }
    }
    if (n.names.length + n.emails.length + n.phones.length === 0) throw new HttpError(404, 'person_unknown', `wedding ${subject.weddingId} holds nothing about ${subject.kind} ${subject.entityId}`);
    return n;
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
      const doc = await this.hasDocument(scope.weddingId)
        ? await this.deps.collab.withDocument(scope.weddingId, (d) => ({
            entry: scope.entry ? entryJson(d, scope.entry.root, scope.entry.id) : null,
            mentions: re ? findInDocument(d, re) : [],
            messages: new WeddingDoc(d).listMessages().filter((m) => scope.entry && m.recipientIds.includes(scope.entry.id)),
          }))
        : { entry: null, mentions: [] as Mention[], messages: [] };
      const snapshots = (await this.rows.snapshots(scope.weddingId)).map((s) => withDoc(s.state, (d) => ({
        id: s.id, label: s.label, createdAt: s.created_at,
        entry: scope.entry ? entryJson(d, scope.entry.root, scope.entry.id) : null,
        mentions: re ? findInDocument(d, re) : [],
      }))).filter((s) => s.entry !== null || s.mentions.length > 0);
      const rows: FoundRow[] = re ? await this.rows.find(scope.weddingId, re, list) : [];
      const entryActivity = scope.entry && root ? await this.rows.entryActivity(scope.weddingId, root, scope.entry.id) : [];
      weddings.push({
        weddingId: scope.weddingId,
        document: doc,
        snapshots,
        activity: entryActivity,
        rows,
        externalSystems: await this.systemsOf(rows),
      });
    }
    return { subject, exportedAt: new Date().toISOString(), identifiers: needles, ...(subject.kind === 'person' ? { account: await this.rows.account(subject.personId) } : {}), weddings };
  }

  /** The integrations (systems) that were sent or sent us data naming the person: copies outside our store. */
  private async systemsOf(rows: FoundRow[]): Promise<{ integrationId: string; system: string }[]> {
    const ids = [...new Set(rows.filter((r) => ['inbox', 'outbox', 'links'].includes(r.table)).map((r) => String(r.row.integration_id)))];
    const systems = await this.rows.systems(ids);
    return ids.map((id) => ({ integrationId: id, system: systems.get(id) ?? 'unknown' }));
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
    // The entity id of a contact or vendor is an opaque id, not the data; a person is recorded by kind only.
    const entity = subject.kind === 'person' ? 'people' : ENTRY_ROOT[subject.kind];
    const entityId = subject.kind === 'person' ? null : subject.entityId;
    const audit = (weddingId: string, detail: Record<string, unknown>): ErasureAudit => ({ at: erasedAt, weddingId, actor: by, entity, entityId, detail: JSON.stringify(detail) });
    await this.rows.recordErasures(weddings.length === 0
      ? [audit('', { kind: subject.kind, account })]
      : weddings.map((w) => audit(w.weddingId, {
          kind: subject.kind, documentChanges: w.documentChanges, snapshotsRewritten: w.snapshotsRewritten, rows: w.rows, historyCompacted: w.historyCompacted, ...(account ? { account } : {}),
        })));
    await this.rows.scrub();
    this.deps.logger.info({ kind: subject.kind, by, weddings: weddings.length }, 'personal data erased');
    return { subject, erasedAt, weddings, ...(account ? { account } : {}) };
  }

  private async eraseInWedding(scope: Scope, re: RegExp | null, list: string[], by: string): Promise<WeddingErasure> {
    const { weddingId, entry } = scope;
    const name = documentNameFor(weddingId);
    let documentChanges = 0;
    let historyCompacted = true;
    if (await this.hasDocument(weddingId)) {
      await this.deps.collab.withDocument(weddingId, (doc) => {
        doc.transact(() => { documentChanges = eraseIn(doc, entry, re); }, adminOrigin('privacy.erase', by));
      });
      // The erasure is stored (and the activity rows it wrote), then history is folded with gc,
      // after any fold already under way (which would otherwise write older state), on the
      // instance serving the wedding.
      await this.deps.collab.foldHistory(weddingId);
      // Folded rows not yet trimmed (storage turned read-only mid-trim) still hold the old history.
      historyCompacted = !holdsAny(await this.rows.storedHistory(name), list);
      if (!historyCompacted) this.deps.logger.error({ weddingId }, 'erasure: stored history still holds the person (undecodable rows or storage read-only); the live document is erased');
    }
    const { snapshotsRewritten, rows } = await this.rows.eraseInWedding(weddingId, {
      rewriteSnapshot: (state) => {
        const doc = new Y.Doc({ gc: true });
        try {
          Y.applyUpdate(doc, state);
          let changed = 0;
          doc.transact(() => { changed = eraseIn(doc, entry, re); });
          return changed === 0 ? null : Y.encodeStateAsUpdate(doc);
        } finally {
          doc.destroy();
        }
      },
      re,
      needles: list,
      ...(entry ? { entry: { root: entry.root, id: entry.id, allFields: entry.root === 'contacts' } } : {}),
    });
    return { weddingId, documentChanges, snapshotsRewritten, rows, historyCompacted };
  }

  /** Ends the person's sessions (their sockets close) and deletes the account and what hangs off it. */
  private async eraseAccount(personId: string, emails: string[]): Promise<Record<string, number>> {
    const sessions = (await this.deps.sessions.revokeAll(personId)).length;
    return { sessions, ...await this.rows.eraseAccount(personId, emails) };
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
function holdsAny(chunks: Uint8Array[], needles: string[]): boolean {
  const text = Buffer.concat(chunks).toString('latin1').toLowerCase();
  return needles.some((n) => text.includes(Buffer.from(n, 'utf8').toString('latin1').toLowerCase()));
}
