import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WeddingDoc, adminOrigin, type Conflict } from '../../schema/index.ts';
import { INSTANCE_HEADER, INSTANCE_REQUESTS_KEY, signInstanceRequest } from '../../server/auth/instance-signature.ts';
import { createCredentialCipher, decodeKey } from '../../server/bridge/credential-cipher.ts';
import { instancePaths } from '../../server/collab/owner-requests.ts';
import { postgresServerKey } from '../../server/storage/postgres/server-keys.ts';
import type { ConnectionResult, ImportResponse, UnmatchedSummary } from '../../schema/index.ts';
import { api, studio } from '../connections/helpers.ts';
import { spawnServer } from '../helpers/child-server.ts';
import { planner as plannerOn } from '../helpers/cluster-clients.ts';
import { closeCommitGate } from '../helpers/postgres-commit-gate.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { tempDir } from '../helpers/test-server.ts';
import { useTwoInstances } from '../helpers/two-instances.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Work that spans weddings, asked of an instance that serves none of them (issue 15): a person's
 * export and erasure, and the calendar's double-booking check across two weddings live on two
 * instances. The instance reads a wedding another serves from what is stored and hands what it
 * changes to that instance (server/collab/documents-anywhere.ts); it used to answer 503
 * `document_unavailable`, and a double booking was recorded in one wedding only.
 */

const NAME = 'Zoe Quill';
const EMAIL = 'zoe.quill@example.org';
const OLD_EMAIL = 'zq.first@oldmail.example';

describe('work across weddings through an instance that does not serve them', () => {
  const cluster = useTwoInstances({ PULL_INTERVAL_MS: '600000' });

  it('a guest asks to be forgotten: her export and erasure through B reach the wedding live on A, history folded there', async () => {
    const { a, b, db } = cluster();
    const planner = await a.token('planner', ['w-forget'], { sub: 'per_planner', name: 'Pat Planner' });
    const onA = await a.connect('w-forget', planner);
    await onA.whenSynced();
    onA.doc.transact(() => {
      onA.doc.setMeta({ title: 'Ava & Sam', timezone: 'Europe/London', date: '2027-06-12' });
      onA.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00' });
    });
    onA.doc.upsertContact({ id: 'guest-zoe', name: NAME, role: 'family', email: OLD_EMAIL });
    await onA.whenAcknowledged();
    onA.doc.upsertContact({ id: 'guest-zoe', email: EMAIL });
    onA.doc.upsertEvent({ id: 'ceremony', notes: `Seat ${NAME} next to the aisle` });
    await onA.whenAcknowledged();
    const lease = async () => (await db.admin.query<{ owner: string }>("SELECT owner FROM document_leases WHERE name = 'wedding:w-forget' AND expires_at > clock_timestamp()")).rows[0]?.owner;
    expect(await lease()).toBe('a');

    const exported = await api<{ weddings: { document: { entry: { email?: string } | null; mentions: { path: string }[] } }[] }>(b, '/api/people/contact:w-forget:guest-zoe/export', planner);
    expect(exported.status, JSON.stringify(exported.body)).toBe(200);
    expect(exported.body.weddings[0]!.document.entry?.email).toBe(EMAIL);
    expect(exported.body.weddings[0]!.document.mentions.map((m) => m.path)).toContain('timeline.ceremony.notes');

    const erased = await api<{ weddings: { documentChanges: number; historyCompacted: boolean }[] }>(b, '/api/people/contact:w-forget:guest-zoe/erase', planner, { method: 'POST' });
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    expect(erased.body.weddings[0]).toMatchObject({ historyCompacted: true });
    expect(erased.body.weddings[0]!.documentChanges).toBeGreaterThanOrEqual(2);

    // The client on A saw her go, as changes of the live document there (which A still serves).
    await waitFor(() => onA.doc.getContact('guest-zoe') === undefined, 'the contact removed at the client on A');
    await waitFor(() => onA.doc.getEvent('ceremony')?.notes === 'Seat [erased] next to the aisle', 'the mention erased at the client on A');
    expect(await lease()).toBe('a');
    // Attributed to the erasure, by whoever asked for it (the activity trail A recorded).
    const activity = await db.admin.query<{ actor_kind: string; actor_action: string | null }>(
      "SELECT actor_kind, actor_action FROM activity WHERE wedding_id = 'w-forget' AND root = 'contacts' AND entity_id = 'guest-zoe' ORDER BY id DESC LIMIT 1",
    );
    expect(activity.rows[0]).toEqual({ actor_kind: 'admin', actor_action: 'privacy.erase' });
    // Folded on A: no stored byte of the wedding holds her name or either address any more.
    const stored = await db.admin.query<{ bytes: Buffer }>(
      "SELECT state AS bytes FROM documents WHERE name = 'wedding:w-forget' UNION ALL SELECT update_data FROM document_updates WHERE name = 'wedding:w-forget'",
    );
    expect(stored.rows.length).toBeGreaterThan(0);
    for (const secret of [NAME, EMAIL, OLD_EMAIL]) expect(stored.rows.filter((r) => r.bytes.includes(secret)), secret).toEqual([]);
  });

  it('a photographer booked at two weddings live on two instances: the double booking is recorded once in each, and settled in each when it goes away', async () => {
    const { a, b } = cluster();
    const planner = await a.token('planner', ['w-day-a', 'w-day-b']);
    const wedding = async (on: typeof a, id: string, start: string, end: string) => {
      const c = await on.connect(id, planner);
      await c.whenSynced();
      c.doc.transact(() => {
        c.doc.setMeta({ title: `Wedding ${id}`, date: '2027-06-12', timezone: 'Europe/London' });
        c.doc.upsertVendor({ id: 'v-photo', name: 'Alex Photo', category: 'photographer', email: 'alex.photo@example.com' });
        c.doc.upsertEvent({ id: 'ceremony', title: `Ceremony ${id}`, start, end, vendorIds: ['v-photo'], category: 'ceremony' });
      });
      await c.whenAcknowledged();
      return c;
    };
    const onA = await wedding(a, 'w-day-a', '2027-06-12T14:00:00+01:00', '2027-06-12T15:00:00+01:00');
    const onB = await wedding(b, 'w-day-b', '2027-06-12T14:30:00+01:00', '2027-06-12T16:00:00+01:00');
    const pending = (cs: Conflict[]) => cs.filter((x) => x.status === 'pending' && x.source === 'availability:double-booking');

    await waitFor(() => pending(onA.doc.listConflicts()).length > 0 && pending(onB.doc.listConflicts()).length > 0, 'the double booking recorded in both weddings', 20_000);
    // Once each, whichever instance checked (asking both instances to check again changes nothing).
    for (const on of [a, b]) expect((await api(on, '/api/integrations/calendar/conflicts?vendorId=v-photo', planner)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(pending(onA.doc.listConflicts())).toHaveLength(1);
    expect(pending(onB.doc.listConflicts())).toHaveLength(1);

    // The band's set moves the photographer's ceremony at w-day-b to the evening: settled in both.
    onB.doc.upsertEvent({ id: 'ceremony', start: '2027-06-12T18:00:00+01:00', end: '2027-06-12T19:00:00+01:00' });
    await onB.whenAcknowledged();
    await waitFor(() => pending(onA.doc.listConflicts()).length === 0 && pending(onB.doc.listConflicts()).length === 0, 'the double booking settled in both weddings', 20_000);
    expect(onA.doc.listConflicts().filter((x) => x.source === 'availability:double-booking').map((x) => x.resolvedBy)).toEqual(['system:overlap-cleared']);
  });

  it('when the instance serving the wedding is killed mid-way, the erasure is kept: offered again until its lease lapses, then applied where the wedding is opened next', async () => {
    const { b, db, credentialsKey } = cluster();
    const c = await spawnServer(tempDir(), { DATABASE_URL: db.url, CREDENTIALS_KEY: credentialsKey, INSTANCE_ID: 'c', DOCUMENT_LEASE_MS: '3000', LOG_LEVEL: 'warn', PULL_INTERVAL_MS: '600000' });
    registerTeardown(() => c.kill('SIGKILL'));
    const onC = await plannerOn(c.wsUrl, 'w-kill');
    await onC.whenSynced(15_000);
    onC.doc.upsertContact({ id: 'guest-zoe', name: NAME, role: 'family', email: EMAIL });
    await onC.whenAcknowledged(15_000);
    await onC.destroy();
    await c.kill('SIGKILL');
    // c's lease is still live for up to 3 s: B finds c unreachable, waits, and applies it once nobody serves the wedding.
    const token = await b.token('planner', ['w-kill']);
    const erased = await api<{ weddings: { historyCompacted: boolean }[] }>(b, '/api/people/contact:w-kill:guest-zoe/erase', token, { method: 'POST' });
    expect(erased.status, JSON.stringify(erased.body)).toBe(200);
    expect(erased.body.weddings[0]).toMatchObject({ historyCompacted: true });
    const stored = await db.admin.query<{ bytes: Buffer }>(
      "SELECT state AS bytes FROM documents WHERE name = 'wedding:w-kill' UNION ALL SELECT update_data FROM document_updates WHERE name = 'wedding:w-kill'",
    );
    expect(stored.rows.length).toBeGreaterThan(0);
    expect(stored.rows.filter((r) => r.bytes.includes(NAME) || r.bytes.includes(EMAIL))).toEqual([]);
  });

  it('the instance routes take only requests signed with the instances’ key, for a wedding served there', async () => {
    const { a, b, db, credentialsKey } = cluster();
    const key = await postgresServerKey(db.admin, createCredentialCipher(decodeKey(credentialsKey, 'CREDENTIALS_KEY')), INSTANCE_REQUESTS_KEY);
    const token = await a.token('planner', ['w-signed']);
    const onA = await a.connect('w-signed', token);
    await onA.whenSynced();
    // A change made elsewhere, as DocumentsAnywhere makes it: a copy's update and its origin.
    const copy = new Y.Doc();
    let update: Uint8Array = new Uint8Array();
    copy.on('update', (u: Uint8Array) => { update = u; });
    new WeddingDoc(copy).setMeta({ title: 'Signed & Sealed' }, adminOrigin('test.instance-route', 'user:ops'));
    const path = instancePaths.changes('w-signed');
    const body = Buffer.from(JSON.stringify({ changes: [{ update: Buffer.from(update).toString('base64'), origin: adminOrigin('test.instance-route', 'user:ops') }] }));
    const send = (on: typeof a, signature: string | undefined, what = body, to = path) => on.fetch(to, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature === undefined ? {} : { [INSTANCE_HEADER]: signature }) }, body: what });
    const refused = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code });

    expect(await refused(await send(a, undefined))).toEqual({ status: 401, code: 'token_invalid' });
    expect(await refused(await send(a, signInstanceRequest(Buffer.alloc(32, 1), 'b', 'POST', path, body)))).toEqual({ status: 401, code: 'token_invalid' });
    expect(await refused(await send(a, signInstanceRequest(key, 'b', 'POST', path, body, Date.now() - 120_000)))).toEqual({ status: 401, code: 'token_invalid' });
    // Signed for another body, or another wedding's path.
    expect(await refused(await send(a, signInstanceRequest(key, 'b', 'POST', path, Buffer.from('{}'))))).toEqual({ status: 401, code: 'token_invalid' });
    expect(await refused(await send(a, signInstanceRequest(key, 'b', 'POST', instancePaths.changes('w-other'), body)))).toEqual({ status: 401, code: 'token_invalid' });
    expect(onA.doc.getMeta().title).toBeUndefined();
    // Signed, but B does not serve the wedding: refused, so the sender asks its owner.
    const elsewhere = await send(b, signInstanceRequest(key, 'a', 'POST', path, body));
    expect(elsewhere.status).toBe(503);
    expect(((await elsewhere.json()) as { error: { details?: { reason?: string } } }).error.details?.reason).toBe('owned_elsewhere');
    // Signed, to the owner: applied, under its origin, and answered only once it is committed.
    const gate = await closeCommitGate(db.admin, 'document_updates', 4545);
    let answered = 0;
    const applied = send(a, signInstanceRequest(key, 'b', 'POST', path, body)).then((res) => { answered = res.status; });
    await gate.blocked('the change’s COMMIT held');
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(0);
    await gate.open();
    await applied;
    expect(answered).toBe(204);
    await waitFor(() => onA.doc.getMeta().title === 'Signed & Sealed', 'the change at the client on A');
    const activity = await db.admin.query<{ actor_kind: string; actor_action: string }>("SELECT actor_kind, actor_action FROM activity WHERE wedding_id = 'w-signed' AND field = 'title'");
    expect(activity.rows).toEqual([{ actor_kind: 'admin', actor_action: 'test.instance-route' }]);
    // A body that is not the shape: 400, after the signature.
    const bad = Buffer.from(JSON.stringify({ changes: [{ update: '!!', origin: { kind: 'nobody' } }] }));
    expect(await refused(await send(a, signInstanceRequest(key, 'b', 'POST', path, bad), bad))).toEqual({ status: 400, code: 'validation_failed' });
  });

  it('a CSV import through B routes a row by the facts of a wedding live on A (the matching rules), and the row lands there', async () => {
    const { a, b } = cluster();
    const kai = { id: 'w-kai', meta: { title: 'Kai & Lee', date: '2026-07-18', timezone: 'America/Los_Angeles', venue: 'Pier 9' }, start: '2026-07-18T16:00:00-07:00' } as const;
    const { pat } = await studio(a, [kai]);
    const workspaceId = (await a.server.people.weddingWorkspace('w-kai'))!;
    const as = await pat.accessToken('w-kai');
    const connected = await api<ConnectionResult>(a, '/api/integrations/vendor/connect', as, { json: {
      workspaceId, system: 'preset', label: 'HoneyBook exports', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'America/Los_Angeles', vendorId: 'photo' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    expect((await api(a, `/api/connections/${connected.body.connectionId}/bindings`, as, { json: { weddingId: 'w-kai', references: ['hb-kai'] } })).status).toBe(201);
    const onA = await a.connect('w-kai', as);
    await onA.whenSynced();
    // Not Kai & Lee's project id, but their date, names and venue.
    const csv = 'Project ID,Project Name,Project Type,Project Date,Stage,Client Name,Client Email,Location,Total Value,Paid\r\n'
      + 'hb-kai-2,Kai & Lee Wedding,Wedding,07/18/2026,Planning,Kai Tan & Lee Moss,kai@example.com,Pier 9,"$3,000.00",$0.00\r\n';
    const preview = await api<ImportResponse>(b, '/api/integrations/import', as, { json: { workspaceId, preset: 'honeybook', csv, mode: 'preview' } });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body.rows[0]).toMatchObject({ action: 'match', weddingIds: ['w-kai'], reason: 'the matching rules', matchedOn: ['date', 'names', 'venue'] });
    const applied = await api<ImportResponse>(b, '/api/integrations/import', as, { json: { connectionId: connected.body.connectionId, csv, mode: 'apply' } });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    await waitFor(() => onA.doc.listPayments().some((p) => p.amount === 300000), 'the matched project’s total in Kai & Lee’s budget, on A');

    // A project nothing matches waits in the queue; assigned to Kai & Lee through B, it lands on A too.
    const fresh = 'Project ID,Project Name,Project Type,Project Date,Stage,Client Name,Client Email,Location,Total Value,Paid\r\n'
      + 'hb-new,Mia & Noor Wedding,Wedding,09/05/2026,Inquiry,Mia Park & Noor Ali,mia@example.com,Casa Verde,"$4,000.00",$0.00\r\n';
    expect((await api<ImportResponse>(b, '/api/integrations/import', as, { json: { connectionId: connected.body.connectionId, csv: fresh, mode: 'apply' } })).status).toBe(200);
    let queued: UnmatchedSummary[] = [];
    await waitFor(async () => (queued = (await api<{ records: UnmatchedSummary[] }>(b, `/api/workspaces/${workspaceId}/unmatched`, as)).body.records).length > 0, 'the new project in the queue');
    const assigned = await api<{ record: UnmatchedSummary }>(b, `/api/unmatched/${queued[0]!.id}/assign`, as, { json: { weddingIds: ['w-kai'] } });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
    await waitFor(() => onA.doc.listPayments().some((p) => p.amount === 400000), 'the assigned project’s total in Kai & Lee’s budget, on A');
  });
});
