import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { WeddingDoc, type VendorCreateResponse } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';

const W = 'w-add';

const post = (t: TestServer, token: string, body: unknown, weddingId = W) => t.fetch(`/api/weddings/${weddingId}/vendors`, {
  method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const code = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

describe('adding a vendor over HTTP (clients without the document: a script, an import)', () => {
  it('a planner adds vendors; every open copy of the wedding has them at once; refusals are typed and change nothing', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    await workspaceWith(t, ana, 'Bloom Planning', [W]);
    await t.server.collab.withDocument(W, (ydoc) => new WeddingDoc(ydoc).setMeta({ title: 'Ada & Grace', date: '2027-06-12', timezone: 'Europe/London' }));
    const token = await ana.accessToken(W);
    const app = await t.connect(W, token);
    await app.whenSynced();

    const made = await post(t, token, { name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example', status: 'booked' });
    expect(made.status).toBe(201);
    const { vendor } = (await made.json()) as VendorCreateResponse;
    expect(vendor).toMatchObject({ name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example', status: 'booked' });
    expect(vendor.id).toMatch(/^ven_[0-9a-f]{16}$/);
    await waitFor(() => app.doc.getVendor(vendor.id)?.name === 'Lens & Light', 'the vendor in the open copy');
    const named = await post(t, token, { id: 'flora', name: 'Flora', category: 'florist' });
    expect([named.status, ((await named.json()) as VendorCreateResponse).vendor.id]).toEqual([201, 'flora']);

    const vendorToken = await t.token('vendor', [W], { vendorId: 'flora' });
    const refusals: [string, unknown, number, string, string?][] = [
      [token, { id: 'flora', name: 'Flora again', category: 'florist' }, 409, 'duplicate'],
      [token, { name: '', category: 'florist' }, 400, 'validation_failed'],
      [token, { name: 'X', category: 'astronaut' }, 400, 'validation_failed'],
      [token, { name: 'X', category: 'dj', email: 'not-an-address' }, 400, 'validation_failed'],
      [token, { name: 'X', category: 'dj', budgetLine: 5 }, 400, 'validation_failed'],
      [vendorToken, { name: 'Sneaky', category: 'dj' }, 403, 'role_forbidden'],
      [await t.token('couple', [W]), { name: 'Cousin DJ', category: 'dj' }, 403, 'role_forbidden'],
      [await t.token('planner', ['w-other']), { name: 'X', category: 'dj' }, 403, 'wedding_forbidden'],
    ];
    for (const [who, body, status, errorCode] of refusals) {
      const res = await post(t, who, body);
      expect([res.status, await code(res)], JSON.stringify(body)).toEqual([status, errorCode]);
    }
    // A wedding with nothing stored is not brought into being by a vendor.
    const none = await post(t, await t.token('planner', ['w-none']), { name: 'X', category: 'dj' }, 'w-none');
    expect([none.status, await code(none)]).toEqual([404, 'wedding_not_found']);
    const names = await t.server.collab.withDocument(W, (ydoc) => new WeddingDoc(ydoc).listVendors().map((v) => v.name).sort());
    expect(names).toEqual(['Flora', 'Lens & Light']);
    const stored = await t.server.stored.load('wedding:w-none');
    const kept = new Y.Doc();
    if (stored.state) Y.applyUpdate(kept, stored.state);
    for (const u of stored.log) Y.applyUpdate(kept, u);
    expect([new WeddingDoc(kept).listVendors(), new WeddingDoc(kept).getMeta()]).toEqual([[], {}]);
  });
});
