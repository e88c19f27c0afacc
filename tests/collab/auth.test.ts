import * as Y from 'yjs';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { describe, expect, it } from 'vitest';
import { WedSyncClientError } from '../../client/sdk/node.ts';
import { documentNameFor } from '../../schema/index.ts';
import { MSG, authFrame, awarenessFrame, record, sampleUpdate, syncStep1Frame, updateFrame } from '../helpers/frames.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { expiredToken, foreignToken } from '../helpers/tokens.ts';
import { waitFor } from '../helpers/wait.ts';

const ceremony = { id: 'ceremony', title: 'Ceremony', start: '2026-06-13T14:00:00+01:00', end: '2026-06-13T14:45:00+01:00' };

describe('WebSocket authentication', () => {
  const refusals: [string, () => Promise<string>, string, number][] = [
    ['a missing token', async () => '', 'token_missing', 4401],
    ['a malformed token', async () => 'not-a-jwt', 'token_invalid', 4401],
    ['an expired token', () => expiredToken('planner', ['w1']), 'token_expired', 4401],
    ['a token signed with another secret', () => foreignToken('planner', ['w1']), 'token_invalid', 4401],
    ['a token for another wedding', async () => '', 'wedding_forbidden', 4403],
  ];

  for (const [what, makeToken, code, closeCode] of refusals) {
    it(`refuses ${what} before sending any document data (${code}, close ${closeCode})`, async () => {
      const t = await startTestServer();
      // Something to leak, if the server were to leak it.
      const seed = await t.connect('w1', await t.token('planner', ['w1']));
      await seed.whenSynced();
      seed.doc.upsertEvent(ceremony);
      await seed.whenAcknowledged();

      const token = code === 'wedding_forbidden' ? await t.token('planner', ['w2']) : await makeToken();
      const ws = await t.rawSocket();
      const { frames, closed } = record(ws);
      ws.send(syncStep1Frame('wedding:w1'));
      ws.send(authFrame('wedding:w1', token));
      expect(await closed).toEqual({ code: closeCode, reason: code });
      expect(frames).toEqual([{ type: MSG.Auth, documentName: 'wedding:w1', authSubtype: 1, reason: code }]);

      // The SDK reports the same refusal with the same code and stops retrying.
      const sdk = await t.connect('w1', token);
      await expect(sdk.whenSynced(5000)).rejects.toMatchObject({ name: 'WedSyncClientError', code });
      expect(sdk.doc.getEvent('ceremony')).toBeUndefined();
    });
  }

  it('refuses document names other than wedding:<id> with 4400', async () => {
    const t = await startTestServer();
    const token = await t.token('admin', ['*']);
    for (const name of ['notes', 'wedding:', 'wedding:a/b', 'Wedding:w1']) {
      const ws = await t.rawSocket();
      const { frames, closed } = record(ws);
      ws.send(authFrame(name, token));
      expect(await closed).toEqual({ code: 4400, reason: 'document_unknown' });
      expect(frames.map((f) => f.authSubtype)).toEqual([1]);
    }
  });

  it('lets an admin token open any wedding and a planner token only its own', async () => {
    const t = await startTestServer();
    const admin = await t.connect('any-wedding', await t.token('admin', ['*']));
    await admin.whenSynced();
    expect(admin.readOnly).toBe(false);
    const planner = await t.connect('w9', await t.token('planner', ['w8', 'w9']));
    await planner.whenSynced();
    const refused = await t.connect('w7', await t.token('planner', ['w8', 'w9']));
    await expect(refused.whenSynced(5000)).rejects.toBeInstanceOf(WedSyncClientError);
  });

  it('opens viewer connections read-only: their edits reach no one and change nothing', async () => {
    const t = await startTestServer();
    const planner = await t.connect('w1', await t.token('planner', ['w1']));
    await planner.whenSynced();
    planner.doc.upsertEvent(ceremony);
    await planner.whenAcknowledged();
    const readOnly = [];
    for (const sub of ['viewer-1', 'viewer-2']) {
      const ro = await t.connect('w1', await t.token('viewer', ['w1'], { sub }));
      readOnly.push(ro);
      await ro.whenSynced();
      expect(ro.readOnly).toBe(true);
      expect(ro.doc.getEvent('ceremony')?.title).toBe('Ceremony');
      ro.doc.upsertEvent({ id: 'ceremony', title: `Changed by ${sub}` });
      ro.doc.upsertEvent({ ...ceremony, id: `${sub}-event` });
    }
    // A raw update frame from a read-only socket is not applied either.
    const ws = await t.rawSocket();
    ws.send(authFrame('wedding:w1', await t.token('viewer', ['w1'])));
    ws.send(updateFrame('wedding:w1', sampleUpdate('raw-viewer')));
    const marker = await t.connect('w1', await t.token('planner', ['w1']));
    await marker.whenSynced();
    marker.doc.setMeta({ title: 'marker' });
    await marker.whenAcknowledged();
    await waitFor(() => planner.doc.getMeta().title === 'marker', 'planner to receive later edits');
    const served = t.server.collab.persistence.loadedDocument(documentNameFor('w1'))!;
    expect([...served.getMap('timeline').keys()]).toEqual(['ceremony']);
    expect(planner.doc.getEvent('ceremony')?.title).toBe('Ceremony');
    // The server answered the read-only peers with a failed sync status: their changes stay unacknowledged.
    for (const ro of readOnly) expect(ro.unsyncedChanges).toBeGreaterThan(0);
  });

  it('stamps presence from the token: no spoofed identity, read-only peers show only who they are', async () => {
    const t = await startTestServer();
    const planner = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'pam', name: 'Pam' }));
    const vendor = await t.connect('w1', await t.token('vendor', ['w1'], { sub: 'vic' }));
    const viewer = await t.connect('w1', await t.token('viewer', ['w1'], { sub: 'val' }));
    await Promise.all([planner.whenSynced(), vendor.whenSynced(), viewer.whenSynced()]);
    planner.provider.awareness!.setLocalState({ user: { id: 'admin', name: 'The Boss', role: 'admin' }, editing: 'ceremony' });
    vendor.provider.awareness!.setLocalState({ user: { name: 'Pam' }, editing: 'dinner' });
    viewer.provider.awareness!.setLocalState({ user: { name: 'Pam' }, editing: 'speeches' });
    await waitFor(() => vendor.provider.awareness!.getStates().get(planner.ydoc.clientID)?.editing === 'ceremony', 'planner presence at the vendor');
    expect(vendor.provider.awareness!.getStates().get(planner.ydoc.clientID)!.user).toMatchObject({ id: 'pam', name: 'Pam', role: 'planner' });
    // A vendor writes its own paths now, so it shows what it edits, under its token's identity.
    await waitFor(() => planner.provider.awareness!.getStates().get(vendor.ydoc.clientID)?.editing === 'dinner', 'vendor presence at the planner');
    expect(planner.provider.awareness!.getStates().get(vendor.ydoc.clientID)).toEqual({ user: expect.objectContaining({ id: 'vic', role: 'vendor' }), editing: 'dinner' });
    await waitFor(() => planner.provider.awareness!.getStates().get(viewer.ydoc.clientID), 'viewer presence at the planner');
    expect(planner.provider.awareness!.getStates().get(viewer.ydoc.clientID)).toEqual({ user: expect.objectContaining({ id: 'val', role: 'viewer' }) });
  });

  it('lets vendor and couple connections write only their own paths: the rest is refused with permission_denied, reaches no one, and the connection stays open', async () => {
    const t = await startTestServer();
    const planner = await t.connect('w1', await t.token('planner', ['w1']));
    await planner.whenSynced();
    planner.doc.upsertVendor({ id: 'photo', name: 'Photo Co', category: 'photographer' });
    planner.doc.upsertEvent({ ...ceremony, vendorIds: ['photo'] });
    await planner.whenAcknowledged();
    for (const [role, extra] of [['vendor', { vendorId: 'photo' }], ['couple', {}]] as const) {
      const c = await t.connect('w1', await t.token(role, ['w1'], { sub: `${role}-1`, ...extra }));
      await c.whenSynced();
      expect(c.readOnly).toBe(false);
      const refusals: string[][] = [];
      c.onRefused((r) => refusals.push([r.code, ...r.issues.map((i) => i.path)]));
      const ydoc = c.ydoc;
      c.doc.upsertEvent({ id: 'ceremony', title: `Changed by ${role}` });
      c.doc.upsertEvent({ ...ceremony, id: `${role}-event` });
      await waitFor(() => refusals.length > 0 && c.unsyncedChanges === 0 && c.doc.getEvent('ceremony')?.title === 'Ceremony', `${role} brought back`);
      expect(refusals[0]![0]).toBe('permission_denied');
      expect(refusals.flat()).toEqual(expect.arrayContaining(['timeline.ceremony.title']));
      expect(c.ydoc).toBe(ydoc); // no fresh document: nothing else pending is lost
      expect(c.doc.getEvent(`${role}-event`)).toBeUndefined();
      expect(c.status).toBe('connected');
    }
    const served = t.server.collab.persistence.loadedDocument(documentNameFor('w1'))!;
    expect([...served.getMap('timeline').keys()]).toEqual(['ceremony']);
    expect(planner.doc.getEvent('ceremony')?.title).toBe('Ceremony');
  });

  it("refuses an awareness update for another connection's client", async () => {
    const t = await startTestServer();
    const victim = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'victim' }));
    const watcher = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'watcher' }));
    await Promise.all([victim.whenSynced(), watcher.whenSynced()]);
    victim.provider.awareness!.setLocalState({ editing: 'ceremony' });
    await waitFor(() => watcher.provider.awareness!.getStates().get(victim.ydoc.clientID), 'victim presence');

    const ws = await t.rawSocket();
    const mallory = record(ws);
    ws.send(authFrame('wedding:w1', await t.token('planner', ['w1'], { sub: 'mallory' })));
    // Authenticated first: otherwise the victim's later change can overtake the forged one.
    await waitFor(() => mallory.frames.some((f) => f.type === MSG.Auth && f.authSubtype === 2), 'mallory authenticated');
    const forged = new Y.Doc();
    forged.clientID = victim.ydoc.clientID;
    const aw = new Awareness(forged);
    // A far higher clock, so the forged state would win if it were applied.
    aw.setLocalState({ editing: 'hijacked' });
    const meta = aw.meta.get(forged.clientID)!;
    meta.clock = 1000;
    ws.send(awarenessFrame('wedding:w1', encodeAwarenessUpdate(aw, [forged.clientID])));
    victim.provider.awareness!.setLocalStateField('editing', 'dinner');
    await waitFor(() => watcher.provider.awareness!.getStates().get(victim.ydoc.clientID)?.editing === 'dinner', 'the victim\'s own later change');
    expect(watcher.provider.awareness!.getStates().get(victim.ydoc.clientID)!.user.id).toBe('victim');
    await waitFor(async () => (await t.server.metrics.wsRejected.get()).values.find((v) => v.labels.reason === 'awareness_spoof')?.value, 'the spoof counted');
    expect(watcher.provider.awareness!.getStates().get(victim.ydoc.clientID)!.editing).toBe('dinner');
  });

  it('refuses a presence state larger than 16 KiB (every peer would receive it), and takes the next small one', async () => {
    const t = await startTestServer();
    const watcher = await t.connect('w1', await t.token('planner', ['w1'], { sub: 'watcher' }));
    await watcher.whenSynced();
    const ws = await t.rawSocket();
    ws.send(authFrame('wedding:w1', await t.token('planner', ['w1'], { sub: 'mallory' })));
    const doc = new Y.Doc();
    doc.clientID = 424242;
    const aw = new Awareness(doc);
    const publish = (state: Record<string, unknown>) => {
      aw.setLocalState(state); // each call a higher clock, as a real provider's
      ws.send(awarenessFrame('wedding:w1', encodeAwarenessUpdate(aw, [doc.clientID])));
    };
    publish({ editing: 'ceremony' });
    await waitFor(() => watcher.provider.awareness!.getStates().get(424242)?.editing === 'ceremony', 'the first, small state');
    publish({ editing: 'x'.repeat(1_500_000) });
    publish({ editing: 'dinner' });
    await waitFor(() => watcher.provider.awareness!.getStates().get(424242)?.editing === 'dinner', 'the small later state');
    const rejected = (await t.server.metrics.wsRejected.get()).values;
    expect(rejected.find((v) => v.labels.reason === 'awareness_too_large')?.value).toBe(1);
  });
});

describe('HTTP authentication', () => {
  it('answers 401 without or with a bad token and 403 for a non-admin on admin routes', async () => {
    const t = await startTestServer();
    const cases: [Record<string, string>, number, string][] = [
      [{}, 401, 'token_missing'],
      [{ authorization: 'Basic abc' }, 401, 'token_invalid'],
      [{ authorization: 'Bearer nope' }, 401, 'token_invalid'],
      [{ authorization: `Bearer ${await expiredToken('admin', ['*'])}` }, 401, 'token_expired'],
      [{ authorization: `Bearer ${await foreignToken('admin', ['*'])}` }, 401, 'token_invalid'],
      [{ authorization: `Bearer ${await t.token('planner', ['w1'])}` }, 403, 'role_forbidden'],
    ];
    for (const [headers, status, code] of cases) {
      const res = await t.fetch('/api/admin/weddings/w1/snapshots', { headers });
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ error: { code, message: expect.any(String) } });
    }
  });
});
