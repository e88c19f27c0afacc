import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, clientOrigin } from '../../schema/index.ts';
import { createLogger } from '../../server/logger.ts';
import { loadConfig } from '../../server/config.ts';
import { SqlitePeopleStore, type PeopleStore } from '../../server/people/people-store.ts';
import { PostgresPeopleStore } from '../../server/people/postgres-people-store.ts';
import { PostgresSessionStore } from '../../server/people/postgres-session-store.ts';
import { SqliteSessionStore, type SessionStore } from '../../server/people/session-store.ts';
import { postgresPrivacyRows } from '../../server/privacy/postgres-privacy-rows.ts';
import { POSTGRES_COMMS_TABLES } from '../../server/privacy/privacy-rows.ts';
import { PrivacyService } from '../../server/privacy/privacy-service.ts';
import { sqlitePrivacyRows } from '../../server/privacy/sqlite-privacy-rows.ts';
import { parseSubject } from '../../server/privacy/subject.ts';
import { DocumentStore } from '../../server/storage/document-store.ts';
import { usePostgres, usePostgresPools } from '../helpers/postgres.ts';
import { startCollabNode, type PostgresCollabNode } from '../helpers/postgres-collab-node.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';

// Issue 15: export and erasure (docs/privacy.md) on either backend, with the same results: a guest
// contact seeded into the document and its history, a snapshot and every table that may copy it is
// exported, erased, and then every stored row and byte of the database is searched for its name,
// e-mail and phone (on SQLite, tests/privacy/erase.test.ts also searches the files themselves).

const NAME = 'Zoë Quill';
const OLD_NAME = 'Zoe Quil';
const EMAIL = 'zoe.quill@example.org';
const OLD_EMAIL = 'zq.first@oldmail.example';
const PHONE = '+44 7700 900123';
const SECRETS = [NAME, OLD_NAME, EMAIL, OLD_EMAIL, PHONE];
const W = 'w1';
const NOW = Date.UTC(2027, 0, 10, 12);

interface Harness {
  node: PostgresCollabNode;
  privacy: PrivacyService;
  people: PeopleStore;
  sessions: SessionStore;
  /** Runs SQL written with `?` placeholders; returns the rows. */
  sql(sql: string, ...params: unknown[]): Promise<Record<string, unknown>[]>;
  /** A boolean column's value (SQLite: 0/1). */
  flag(b: boolean): unknown;
  /** Every row of every table, bytes as Latin-1 text, lower-cased: what the database holds. */
  everything(): Promise<string>;
}

const postgres = usePostgres();
const pools = usePostgresPools(postgres);
const logger = createLogger(loadConfig({ LOG_LEVEL: 'silent' }));

const text = (rows: Record<string, unknown>[]) => JSON.stringify(rows, (_k, v: unknown) =>
  v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('latin1') : v);

async function sqliteHarness(): Promise<Harness> {
  const node = await startCollabNode({ databaseUrl: '', instanceId: 'privacy', leaseMs: 2000, dataDir: tempDir('privacy-') });
  registerTeardown(() => node.stop());
  const { db } = node;
  const people = new SqlitePeopleStore(db, () => NOW);
  const sessions = new SqliteSessionStore(db, () => NOW);
  return {
    node, people, sessions, flag: (b) => (b ? 1 : 0),
    privacy: new PrivacyService({ rows: sqlitePrivacyRows(db, new DocumentStore(db)), people, sessions, collab: node.collab, logger }),
    async sql(sql, ...params) {
      const statement = db.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
    async everything() {
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
      return tables.map((t) => text(db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[])).join('\n').toLowerCase();
    },
  };
}

async function postgresHarness(): Promise<Harness> {
  const url = await pools.database();
  const node = await startCollabNode({ databaseUrl: url, instanceId: 'privacy', leaseMs: 2000, dataDir: tempDir('privacy-') });
  registerTeardown(() => node.stop());
  const pool = pools.poolOn(url);
  const people = new PostgresPeopleStore(pool, () => NOW);
  const sessions = new PostgresSessionStore(pool, () => NOW);
  return {
    node, people, sessions, flag: (b) => b,
    privacy: new PrivacyService({ rows: postgresPrivacyRows(pool, { commsTables: POSTGRES_COMMS_TABLES }), people, sessions, collab: node.collab, logger }),
    async sql(sql, ...params) {
      let i = 0;
      return (await pool.query(sql.replace(/\?/g, () => `$${++i}`), params)).rows;
    },
    async everything() {
      const tables = (await pool.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'")).rows.map((r) => r.t);
      const out: string[] = [];
      for (const t of tables) out.push(text((await pool.query(`SELECT * FROM "${t}"`)).rows));
      return out.join('\n').toLowerCase();
    },
  };
}

/** Which `needles` `all` holds, as text or as UTF-8 bytes read as Latin-1 (a document's state and log). */
const held = (all: string, needles: string[]) => needles.filter((n) => all.includes(n.toLowerCase()) || all.includes(Buffer.from(n, 'utf8').toString('latin1').toLowerCase()));

/** The guest in the document (edited: history holds her old name and address), a snapshot, and a copy of her in each table that may hold one. */
async function seedGuest(h: Harness) {
  // As a planner's edits: the activity trail records each (its values hold the old spellings).
  // Each waits for its commit: on PostgreSQL the log row and its activity rows (a joined write) are
  // stored after withDocument returns, and `everything()` below reads them.
  const change = async (fn: (w: WeddingDoc) => void) => {
    const { committed, wrote } = await h.node.collab.persistence.barrier.track(() => h.node.collab.withDocument(W, (ydoc) => ydoc.transact(() => fn(new WeddingDoc(ydoc)), clientOrigin('per_planner', { name: 'Pat Planner' }))));
    expect({ committed, wrote }).toEqual({ committed: true, wrote: true });
  };
  await change((w) => {
    w.setMeta({ title: 'Ava & Sam', timezone: 'Europe/London', date: '2027-06-12' });
    w.upsertVendor({ id: 'photo', name: 'Lens', category: 'photographer', email: 'studio@lens.example' });
    w.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00' });
  });
  await change((w) => w.upsertContact({ id: 'guest-zoe', name: OLD_NAME, role: 'family', email: OLD_EMAIL }));
  await change((w) => w.upsertContact({ id: 'guest-zoe', name: NAME, email: EMAIL }));
  await change((w) => w.upsertContact({ id: 'guest-zoe', phone: PHONE }));
  await change((w) => w.upsertEvent({ id: 'ceremony', notes: `Seat ${NAME} next to the aisle` }));
  const state = await h.node.collab.withDocument(W, (ydoc) => Y.encodeStateAsUpdate(ydoc));
  await h.sql(`INSERT INTO snapshots (id, wedding_id, label, kind, created_at, created_by, state, size_bytes) VALUES (?, ?, ?, 'manual', ?, 'admin', ?, ?)`,
    'snap-1', W, 'before seating', new Date(NOW).toISOString(), Buffer.from(state), state.byteLength);
  const stamp = new Date(NOW).toISOString();
  await h.sql(`INSERT INTO connections (id, workspace_id, system, category, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at)
    VALUES ('con-1', NULL, 'webhooks', 'other', 'active', '', '', '{}', '[]', ?, 'test', ?)`, stamp, stamp);
  await h.sql(`INSERT INTO integrations (id, wedding_id, system, category, status, credentials_enc, webhook_secret_enc, configuration, capabilities, created_at, created_by, updated_at, connection_id)
    VALUES ('int-1', ?, 'webhooks', 'other', 'active', '', '', '{}', '[]', ?, 'test', ?, 'con-1')`, W, stamp, stamp);
  await h.sql(`INSERT INTO inbox (integration_id, wedding_id, event_id, kind, payload, received_at, status, next_attempt_at) VALUES ('int-1', ?, 'msg_zoe', 'webhook', ?, ?, 'applied', ?)`,
    W, JSON.stringify({ data: { title: `Call ${EMAIL} about RSVP` } }), NOW, NOW);
  await h.sql(`INSERT INTO outbox (integration_id, wedding_id, kind, payload, content_hash, idempotency_key, status, next_attempt_at, created_at) VALUES ('int-1', ?, 'upsert', ?, 'h', 'k1', 'delivered', ?, ?)`,
    W, JSON.stringify({ notes: `Seat ${NAME} next to the aisle` }), NOW, NOW);
  await h.sql(`INSERT INTO links (integration_id, entity, entity_id, last_synced, last_hash, updated_at) VALUES ('int-1', 'contacts', 'guest-zoe', ?, 'h', ?)`, JSON.stringify({ name: NAME, email: EMAIL }), stamp);
  await h.sql(`INSERT INTO audit (at, wedding_id, actor, action, result, detail) VALUES (?, ?, 'integration:int-1', 'inbound.applied', 'ok', ?)`, stamp, W, JSON.stringify({ note: `from ${EMAIL}` }));
  await h.sql(`INSERT INTO comms_jobs (wedding_id, kind, payload, status, not_before, created_at) VALUES (?, 'message', ?, 'pending', ?, ?)`, W, JSON.stringify({ to: EMAIL, subject: `For ${NAME}` }), NOW, NOW);
  // A draft waiting for the planner and a value a notification quotes (both backends hold them: migration 025 on PostgreSQL).
  await h.sql(`INSERT INTO comms_pending (id, wedding_id, status, draft, created_at) VALUES ('pend-1', ?, 'pending', ?, ?)`, W, JSON.stringify({ body: `${NAME} changed the seating` }), NOW);
  await h.sql(`INSERT INTO comms_last_seen (wedding_id, key, value) VALUES (?, 'contact.guest-zoe.email', ?)`, W, JSON.stringify(EMAIL));
  await h.sql('INSERT INTO vendor_bookings (wedding_id, event_id, vendor_id, start_ms, end_ms, title) VALUES (?, ?, ?, 0, 1, ?)', W, 'ceremony', 'photo', `Ceremony with ${NAME}`);
  await h.sql('INSERT INTO calendar_busy (integration_id, vendor_id, external_id, start_ms, end_ms, title) VALUES (?, ?, ?, 0, 1, ?)', 'int-1', 'photo', 'b1', `Lunch with ${NAME}`);
}

describe.each([['sqlite', sqliteHarness], ['postgres', postgresHarness]] as const)('personal data export and erasure on %s', (_backend, open) => {
  it('exports a guest contact from every place it is held, erases it, and no stored row or byte holds their name, e-mail or phone', async () => {
    const h = await open();
    await seedGuest(h);
    expect(held(await h.everything(), [EMAIL, OLD_EMAIL, PHONE])).toEqual([EMAIL, OLD_EMAIL, PHONE]);
    const subject = parseSubject(`contact:${W}:guest-zoe`);

    const exported = await h.privacy.export(subject) as { identifiers: { names: string[]; emails: string[] }; weddings: Array<Record<string, unknown>> };
    expect(exported.identifiers.names).toEqual(expect.arrayContaining([NAME, OLD_NAME]));
    expect(exported.identifiers.emails).toEqual(expect.arrayContaining([EMAIL, OLD_EMAIL]));
    const w = exported.weddings[0] as { document: { entry: { email: string }; mentions: { path: string }[] }; snapshots: { id: string }[]; activity: unknown[]; rows: { table: string }[]; externalSystems: { system: string }[] };
    expect(w.document.entry.email).toBe(EMAIL);
    expect(w.document.mentions.map((m) => m.path)).toContain('timeline.ceremony.notes');
    expect(w.snapshots.map((s) => s.id)).toEqual(['snap-1']);
    expect(w.activity.length).toBeGreaterThanOrEqual(3);
    expect([...new Set(w.rows.map((r) => r.table))].sort()).toEqual(['activity', 'audit', 'calendar_busy', 'comms_jobs', 'comms_last_seen', 'comms_pending', 'inbox', 'links', 'outbox', 'vendor_bookings']);
    expect(w.externalSystems).toEqual([{ integrationId: 'int-1', system: 'webhooks' }]);

    const erased = await h.privacy.erase(subject, 'user:per_planner');
    expect(erased.weddings[0]).toMatchObject({ snapshotsRewritten: 1, historyCompacted: true });
    expect(erased.weddings[0]!.rows).toMatchObject({ inbox: 1, outbox: 1, links: 1, audit: 1, comms_jobs: 1, comms_pending: 1, comms_last_seen: 1, vendor_bookings: 1, calendar_busy: 1 });

    await h.node.collab.withDocument(W, (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      expect(doc.getContact('guest-zoe')).toBeUndefined();
      expect(doc.getEvent('ceremony')?.notes).toBe('Seat [erased] next to the aisle');
      expect(doc.getVendor('photo')?.email).toBe('studio@lens.example');
    });
    const audit = await h.sql("SELECT actor, entity, entity_id, detail FROM audit WHERE action = 'privacy.erased'");
    expect(audit).toEqual([expect.objectContaining({ actor: 'user:per_planner', entity: 'contacts', entity_id: 'guest-zoe' })]);
    // Every row and every stored byte (the document's state and log, the snapshot), the audit row included.
    expect(held(await h.everything(), SECRETS)).toEqual([]);
  }, 60_000);

  it('a person erases their account: people row, sessions, identities, memberships and passkeys go; their names in activity are erased', async () => {
    const h = await open();
    const pia = await h.people.createPerson({ email: 'pia.lark@studio.example', name: 'Pia Lark' });
    await h.people.linkIdentity({ issuer: 'https://accounts.google.com', subject: 'g-123', personId: pia.id, email: 'pia.lark@gmail.example' });
    const studio = await h.people.createWorkspace({ name: 'Lark Studio', kind: 'planner' }, pia.id);
    await h.people.registerWedding({ id: 'w9', workspaceId: studio.id, createdBy: pia.id });
    await h.sessions.create({ personId: pia.id, method: 'email_link' });
    await h.sql(`INSERT INTO passkeys (id, person_id, public_key, counter, device_type, backed_up, name, created_at) VALUES ('pk-1', ?, ?, 0, 'singleDevice', ?, 'Pia Lark laptop', ?)`,
      pia.id, Buffer.from('key'), h.flag(false), NOW);
    // Her own edit: the activity trail names her.
    await h.node.collab.withDocument('w9', (ydoc) => ydoc.transact(() => {
      new WeddingDoc(ydoc).upsertContact({ id: 'planner-pia', name: 'Pia Lark', role: 'planner', email: 'pia.lark@studio.example' });
    }, clientOrigin(pia.id, { name: 'Pia Lark' })));
    const subject = parseSubject(pia.id);

    const exported = await h.privacy.export(subject) as { account: { identities: unknown[]; workspaces: unknown[]; sessions: Record<string, unknown>[]; passkeys: unknown[] }; weddings: { weddingId: string }[] };
    expect(exported.account.identities).toHaveLength(1);
    expect(exported.account.workspaces).toHaveLength(1);
    expect(exported.account.sessions).toHaveLength(1);
    expect(exported.account.passkeys).toHaveLength(1);
    expect(Object.keys(exported.account.sessions[0]!)).not.toContain('secret_hash');
    expect(exported.weddings.map((w) => w.weddingId)).toEqual(['w9']);

    const erased = await h.privacy.erase(subject, 'user:admin');
    expect(erased.account).toEqual({ sessions: 1, identities: 1, memberships: 1, participations: 0, passkeys: 1, emailLinks: 0, invitations: 0, activityNames: expect.any(Number) });
    expect(erased.account!.activityNames).toBeGreaterThan(0);
    expect(await h.people.getPerson(pia.id)).toBeNull();
    for (const table of ['sessions', 'person_identities', 'workspace_members', 'passkeys']) {
      expect([table, (await h.sql(`SELECT * FROM ${table} WHERE person_id = ?`, pia.id)).length]).toEqual([table, 0]);
    }
    expect(held(await h.everything(), ['Pia Lark', 'pia.lark@studio.example', 'pia.lark@gmail.example'])).toEqual([]);
  }, 60_000);

  it('a person who joined by name only: the link that would add an address to them is exported and erased with them', async () => {
    const h = await open();
    const ada = await h.people.createPerson({ name: 'Ada Guest' });
    await h.sql(`INSERT INTO email_link_tokens (id, email, secret_hash, redirect, ip, created_at, expires_at, person_id) VALUES ('eml_aaaaaaaaaaaaaaaaaaaa', 'ada.new@home.example', ?, '/', '203.0.113.77', ?, ?, ?)`,
      Buffer.from('hash'), NOW, NOW + 900_000, ada.id);
    const subject = parseSubject(ada.id);
    const exported = await h.privacy.export(subject) as { account: { emailLinks: Record<string, unknown>[] } };
    expect(exported.account.emailLinks.map((l) => [l.email, l.ip])).toEqual([['ada.new@home.example', '203.0.113.77']]);
    const erased = await h.privacy.erase(subject, 'user:admin');
    expect(erased.account).toMatchObject({ emailLinks: 1 });
    expect(held(await h.everything(), ['ada.new@home.example', '203.0.113.77', 'Ada Guest'])).toEqual([]);
  }, 60_000);
});
