import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { connectWebhooks, startReceiver } from '../bridge/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { onPostgresBackend, serverSql } from '../helpers/test-backend.ts';
import { storedBytes } from '../helpers/stored-bytes.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * GDPR export and erasure (issue 11 item 8, docs/privacy.md): a guest contact is seeded into every
 * place the server keeps data (document and its history, a snapshot, an inbox payload, an outbox
 * payload, a message to them, activity rows), exported, erased, and then the raw bytes of the
 * SQLite files are searched for their name and e-mail address.
 */

const NAME = 'Zoë Quill';
const OLD_NAME = 'Zoe Quil';
const EMAIL = 'zoe.quill@example.org';
const OLD_EMAIL = 'zq.first@oldmail.example';
const PHONE = '+44 7700 900123';
const SECRETS = [NAME, OLD_NAME, EMAIL, OLD_EMAIL, PHONE];

/** Where `needle` occurs in `bytes` (UTF-8, lower-cased UTF-8, and UTF-16LE), described with `where`. */
function occurrences(bytes: Buffer, needles: string[], where: string): string[] {
  const found: string[] = [];
  for (const n of needles) {
    for (const [encoding, variant] of [['utf8', n], ['utf8', n.toLowerCase()], ['utf16le', n]] as const) {
      if (bytes.includes(Buffer.from(variant, encoding))) found.push(`${n} (${encoding}) in ${where}`);
    }
  }
  return found;
}

/** Which of `needles` the server's storage still holds (storedBytes: SQLite's files, PostgreSQL's rows). */
async function scanStored(t: TestServer, needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const { where, bytes } of await storedBytes(t)) found.push(...occurrences(bytes, needles, where));
  return [...new Set(found)];
}

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function seedGuest(t: TestServer) {
  const planner = await t.token('planner', ['w1'], { sub: 'per_planner', name: 'Pat Planner' });
  const admin = await t.token('admin', ['w1']);
  const client = await t.connect('w1', planner);
  await client.whenSynced();
  client.doc.transact(() => {
    client.doc.setMeta({ title: 'Ava & Sam', timezone: 'Europe/London', date: '2027-06-12' });
    client.doc.upsertVendor({ id: 'photo', name: 'Lens', category: 'photographer', email: 'studio@lens.example' });
    client.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00' });
  });
  // Edited a few times: the history holds the old spelling and the old address.
  client.doc.upsertContact({ id: 'guest-zoe', name: OLD_NAME, role: 'family', email: OLD_EMAIL });
  await client.whenAcknowledged();
  client.doc.upsertContact({ id: 'guest-zoe', name: NAME, email: EMAIL });
  client.doc.upsertContact({ id: 'guest-zoe', phone: PHONE });
  client.doc.upsertEvent({ id: 'ceremony', notes: `Seat ${NAME} next to the aisle` });
  await client.whenAcknowledged();
  // A snapshot holds her.
  const snap = await t.fetch('/api/admin/weddings/w1/snapshots', { method: 'POST', token: admin, ...json({ label: 'before seating' }) });
  expect(snap.status).toBe(201);
  const snapshotId = ((await snap.json()) as { id: string }).id;
  // An inbound webhook mentions her e-mail (stored in the inbox, applied to the timeline).
  const receiver = await startReceiver();
  const integration = await connectWebhooks(t, planner, 'w1', receiver);
  const hook = await sendStandardWebhook(integration.webhookUrl, integration.webhookSecret, {
    id: 'msg_zoe', type: 'timeline.upserted',
    data: { id: 'rsvp-call', title: `Call ${EMAIL} about RSVP`, start: '2027-05-01T10:00:00+01:00', end: '2027-05-01T10:15:00+01:00' },
  });
  expect(hook.status).toBe(200);
  await waitFor(() => client.doc.getEvent('rsvp-call'), 'webhook applied');
  // A message to her.
  const sent = await t.fetch('/api/weddings/w1/messages', { method: 'POST', token: planner, ...json({ recipientIds: ['guest-zoe'], subject: `For ${NAME}`, body: `Dear ${NAME}, your table is 4.` }) });
  expect(sent.status).toBeLessThan(300);
  await waitFor(() => client.doc.listMessages().length > 0, 'message in the document');
  await client.whenAcknowledged();
  return { planner, admin, client, snapshotId, integrationId: integration.integrationId };
}

describe('personal data: export and erase (GDPR)', () => {
  // Compaction encodes a small document from its live copy and folds a large one on the encoding worker: both must drop the erased bytes.
  it.each<{ how: string; env: Record<string, string> }>([
    { how: 'the live copy', env: {} },
    { how: 'the encoding worker', env: { ENCODE_IN_WORKER_ABOVE_BYTES: '0' } },
  ])('exports a guest contact from every place it is held, erases it (history folded from $how), and the stored bytes no longer contain their name or e-mail', async ({ env }) => {
    const t = await startTestServer({ env });
    const { planner, admin, client, snapshotId } = await seedGuest(t);
    // Every secret is really stored before erasure (so the final scan can fail).
    if (!onPostgresBackend) t.server.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(await scanStored(t, [EMAIL, OLD_EMAIL, NAME])).not.toEqual([]);

    const exported = await t.fetch('/api/people/contact:w1:guest-zoe/export', { token: planner });
    expect(exported.status).toBe(200);
    const body = (await exported.json()) as {
      identifiers: { names: string[]; emails: string[] };
      weddings: Array<{ document: { entry: { email: string } | null; mentions: { path: string }[]; messages: unknown[] }; snapshots: { id: string }[]; activity: unknown[]; rows: { table: string }[]; externalSystems: { system: string }[] }>;
    };
    expect(body.identifiers.names).toEqual(expect.arrayContaining([NAME, OLD_NAME]));
    expect(body.identifiers.emails).toEqual(expect.arrayContaining([EMAIL, OLD_EMAIL]));
    const [w] = body.weddings;
    expect(w!.document.entry?.email).toBe(EMAIL);
    expect(w!.document.mentions.map((m) => m.path)).toEqual(expect.arrayContaining(['timeline.ceremony.notes', 'timeline.rsvp-call.title']));
    expect(w!.document.messages).toHaveLength(1);
    expect(w!.snapshots.map((s) => s.id)).toEqual([snapshotId]);
    expect(w!.activity.length).toBeGreaterThanOrEqual(3);
    expect(w!.rows.map((r) => r.table)).toEqual(expect.arrayContaining(['inbox', 'outbox', 'links', 'activity']));
    expect(w!.externalSystems.map((s) => s.system)).toContain('webhooks');

    const erased = await t.fetch('/api/people/contact:w1:guest-zoe/erase', { method: 'POST', token: planner });
    expect(erased.status).toBe(200);
    const result = (await erased.json()) as { weddings: Array<{ documentChanges: number; snapshotsRewritten: number; historyCompacted: boolean; rows: Record<string, number> }> };
    expect(result.weddings[0]).toMatchObject({ snapshotsRewritten: 1, historyCompacted: true });
    expect(result.weddings[0]!.rows.inbox).toBeGreaterThanOrEqual(1);

    // The connected client saw it go, as ordinary operations.
    await waitFor(() => client.doc.getContact('guest-zoe') === undefined, 'contact removed at the client');
    await waitFor(() => !JSON.stringify(client.doc.toJSON()).includes(NAME), 'name gone at the client');
    const live = client.doc.toJSON();
    expect(JSON.stringify(live)).not.toContain(EMAIL);
    expect(live.timeline.ceremony!.notes).toBe('Seat [erased] next to the aisle');
    expect(live.messages[0]!.body).toBe('Dear [erased], your table is 4.');
    expect(live.vendors.photo!.email).toBe('studio@lens.example');

    // The snapshot is rewritten, still restorable for the rest.
    const shown = await t.fetch(`/api/admin/weddings/w1/snapshots/${snapshotId}`, { token: admin });
    const snapshot = (await shown.json()) as { content: { contacts: Record<string, unknown>; timeline: Record<string, { title: string }> } };
    expect(snapshot.content.contacts['guest-zoe']).toBeUndefined();
    expect(snapshot.content.timeline.ceremony!.title).toBe('Ceremony');
    const preview = await t.fetch(`/api/admin/weddings/w1/snapshots/${snapshotId}/restore/preview`, { method: 'POST', token: admin, ...json({}) });
    expect(preview.status).toBe(200);
    const restored = await t.fetch(`/api/admin/weddings/w1/snapshots/${snapshotId}/restore`, { method: 'POST', token: admin, ...json({ sections: ['timeline', 'contacts'] }) });
    expect(restored.status).toBe(200);
    await waitFor(() => client.doc.getEvent('rsvp-call') === undefined, 'restored timeline at the client');
    expect(client.doc.getEvent('ceremony')?.notes).toBe('Seat [erased] next to the aisle');
    expect(client.doc.getContact('guest-zoe')).toBeUndefined();

    // One audit row records it, without the data.
    const audit = await serverSql(t.server).rows<{ actor: string; detail: string }>("SELECT actor, entity, entity_id, detail FROM audit WHERE action = 'privacy.erased'");
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'user:per_planner', entity: 'contacts', entity_id: 'guest-zoe' });
    expect(SECRETS.some((s) => audit[0]!.detail.includes(s))).toBe(false);

    // The raw bytes: the database file, its WAL and its index.
    expect(await scanStored(t, SECRETS)).toEqual([]);

    // A restarted server serves the erased document.
    await client.destroy();
    await t.close();
    expect(await scanStored(t, SECRETS)).toEqual([]);
    const again = await startTestServer({ dataDir: t.dataDir });
    const content = await again.server.collab.withDocument('w1', (doc) => new WeddingDoc(doc).toJSON());
    expect(content.contacts['guest-zoe']).toBeUndefined();
    expect(JSON.stringify(content)).not.toContain(EMAIL);
    expect(content.timeline.ceremony!.title).toBe('Ceremony');
  });

  it('a person exports and erases their own account: people row, sessions, identities and memberships go, and the bytes with them', async () => {
    const t = await startTestServer();
    const pia = await signedIn(t, 'pia.lark@studio.example', 'Pia Lark');
    await t.server.people.linkIdentity({ issuer: 'https://accounts.google.com', subject: 'g-123', personId: pia.person.id, email: 'pia.lark@gmail.example' });
    await workspaceWith(t, pia, 'Lark Studio', ['w9']);
    await t.server.collab.withDocument('w9', (ydoc) => { new WeddingDoc(ydoc).upsertContact({ id: 'planner-pia', name: 'Pia Lark', role: 'planner', email: 'pia.lark@studio.example' }); });

    const exported = await pia.fetch(`/api/people/${pia.person.id}/export`);
    expect(exported.status).toBe(200);
    const body = (await exported.json()) as { account: { person: { email: string }; identities: unknown[]; sessions: Record<string, unknown>[]; workspaces: unknown[] }; weddings: Array<{ weddingId: string; document: { mentions: unknown[] } }> };
    expect(body.account.person.email).toBe('pia.lark@studio.example');
    expect(body.account.identities).toHaveLength(1);
    expect(body.account.workspaces).toHaveLength(1);
    expect(body.account.sessions).toHaveLength(1);
    expect(Object.keys(body.account.sessions[0]!)).not.toContain('secret_hash');
    expect(body.weddings.map((w) => w.weddingId)).toEqual(['w9']);
    expect(body.weddings[0]!.document.mentions.length).toBeGreaterThan(0);

    // Someone else cannot.
    const other = await signedIn(t, 'nosy@else.example', 'Nosy');
    expect((await other.fetch(`/api/people/${pia.person.id}/export`)).status).toBe(403);
    expect((await other.fetch(`/api/people/${pia.person.id}/erase`, { method: 'POST' })).status).toBe(403);

    const erased = await pia.fetch(`/api/people/${pia.person.id}/erase`, { method: 'POST' });
    expect(erased.status).toBe(200);
    const result = (await erased.json()) as { account: Record<string, number> };
    expect(result.account).toMatchObject({ sessions: 1, identities: 1, memberships: 1 });
    expect(await t.server.people.getPerson(pia.person.id)).toBeNull();
    const left = (sql: string) => serverSql(t.server).value<number>(sql, pia.person.id);
    expect(await left('SELECT count(*) FROM sessions WHERE person_id = ?')).toBe(0);
    expect(await left('SELECT count(*) FROM person_identities WHERE person_id = ?')).toBe(0);
    expect(await left('SELECT count(*) FROM workspace_members WHERE person_id = ?')).toBe(0);
    // Her session no longer signs anything in.
    expect((await pia.fetch('/api/me')).status).toBe(401);
    expect(await scanStored(t, ['Pia Lark', 'pia.lark@studio.example', 'pia.lark@gmail.example'])).toEqual([]);
  });

  it('a vendor entry keeps its place (id, category, payments) and loses its contact details, in the document and its history', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    client.doc.upsertVendor({ id: 'dj', name: 'Rory Vance', category: 'dj', email: 'rory@vance-sounds.example', phone: '+44 7700 900555' });
    await client.whenAcknowledged();
    client.doc.upsertVendor({ id: 'dj', notes: 'Rory Vance brings his own decks' });
    client.doc.upsertPayment({ id: 'dj-deposit', vendorId: 'dj', amount: 25000, currency: 'GBP' });
    await client.whenAcknowledged();
    const erased = await t.fetch('/api/people/vendor:w1:dj/erase', { method: 'POST', token: planner });
    expect(erased.status).toBe(200);
    await waitFor(() => client.doc.getVendor('dj')?.name === 'Erased vendor', 'vendor erased at the client');
    expect(client.doc.getVendor('dj')).toMatchObject({ id: 'dj', category: 'dj', email: '', phone: '' });
    expect(client.doc.getVendor('dj')?.notes).toBeUndefined();
    expect(client.doc.getPayment('dj-deposit')).toMatchObject({ vendorId: 'dj', amount: 25000 });
    expect(await scanStored(t, ['Rory Vance', 'rory@vance-sounds.example', '+44 7700 900555'])).toEqual([]);
  });

  it('only planners and admins of the wedding reach a contact; a malformed id is 400 and an unknown one 404', async () => {
    const t = await startTestServer();
    const planner = await t.token('planner', ['w1']);
    const seed = await t.connect('w1', planner);
    await seed.whenSynced();
    seed.doc.upsertContact({ id: 'guest-ola', name: 'Ola Nord', role: 'family', email: 'ola@nord.example' });
    await seed.whenAcknowledged();
    for (const role of ['couple', 'vendor', 'viewer', 'adapter'] as const) {
      const token = await t.token(role, ['w1'], role === 'vendor' ? { vendorId: 'photo' } : {});
      const res = await t.fetch('/api/people/contact:w1:guest-ola/export', { token });
      expect([role, res.status]).toEqual([role, 403]);
    }
    const foreign = await t.token('planner', ['w2']);
    expect((await t.fetch('/api/people/contact:w1:guest-ola/erase', { method: 'POST', token: foreign })).status).toBe(403);
    expect((await t.fetch(`/api/people/per_someone/export`, { token: planner })).status).toBe(403);
    const bad = await t.fetch('/api/people/nobody/export', { token: planner });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    const unknown = await t.fetch('/api/people/contact:w1:guest-missing/export', { token: planner });
    expect(unknown.status).toBe(404);
    expect((await t.fetch('/api/people/contact:w1:guest-ola/export')).status).toBe(401);
    const doc = await t.server.collab.withDocument('w1', (ydoc) => new WeddingDoc(ydoc).getContact('guest-ola'));
    expect(doc?.email).toBe('ola@nord.example');
  });
});
