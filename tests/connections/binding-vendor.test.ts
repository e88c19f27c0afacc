import { describe, expect, it } from 'vitest';
import { presetFor } from '../../adapters/presets/index.ts';
import type { BindingSummary, ConnectionResult, ConnectionSummary, ImportResponse, VendorChoicesResponse } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';
import { serverSql } from '../helpers/test-backend.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };
const WEDDINGS = STORY_WEDDINGS.slice(0, 2);
const HEADER = 'Project ID,Project Name,Project Type,Project Date,Stage,Client Name,Client Email,Location,Total Value,Paid';
const ANA = 'hb-ana,Ana & Ben Wedding,Wedding,06/12/2027,Planning,Ana Reed & Ben Cole,ana@example.com,Kew Barn,"£9,000.00","£3,000.00"';
const CSV = `${HEADER}\r\n${ANA}\r\n`;

type Refusal = { error: { code: string; message: string } };

describe('a binding\'s vendor, chosen by name after binding', () => {
  it('a HoneyBook payment held for want of a vendor names HoneyBook; once the planner chooses the vendor, importing again applies it', async () => {
    const t = await startTestServer({ env });
    const { pat, alex } = await studio(t, WEDDINGS);
    const workspaceId = (await t.server.people.weddingWorkspace('w-ana'))!;
    const as = await pat.accessToken('w-ana');
    const planner = await t.connect('w-ana', as);
    await planner.whenSynced();
    planner.doc.upsertVendor({ id: 'flor', name: 'Petal & Stem', category: 'florist' });
    await planner.whenAcknowledged();

    // Connected from the catalogue with its defaults (no label, no vendor), bound with no vendor.
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId, system: 'preset', label: '', configuration: { preset: 'honeybook', direction: 'inbound', timeZone: 'Europe/London', currency: 'GBP' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId } = connected.body;
    const bound = await api<{ binding: BindingSummary }>(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: 'w-ana', references: ['hb-ana'] } });
    expect(bound.status).toBe(201);
    expect(bound.body.binding.vendorId).toBeNull();

    const first = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: CSV, mode: 'apply' } });
    expect(first.body.rows[0]).toMatchObject({ action: 'match' });
    const parked = () => serverSql(t.server).values<string>("SELECT last_error FROM inbox WHERE status = 'parked'");
    await waitFor(async () => (await parked()).length === 1, 'the payment held');
    expect((await parked())[0]).toContain('HoneyBook payments need to know which vendor they are for');
    expect((await parked())[0]).toContain('Connections → HoneyBook → the wedding → Vendor');
    const summary = async () => (await api<{ connections: ConnectionSummary[] }>(t, `/api/workspaces/${workspaceId}/connections`, as)).body.connections.find((c) => c.connectionId === connectionId)!;
    const held = await summary();
    // One name on every page: the card, the wedding's Integrations, the held payment's fix (above) say "HoneyBook", not "preset".
    expect(held).toMatchObject({ label: '', name: 'HoneyBook', systemName: 'HoneyBook' });
    const status = (await api<{ integrationStatus: { integrationId: string; name: string; systemName: string }[] }>(t, '/api/integrations/status/w-ana', as)).body.integrationStatus;
    expect(status.find((i) => i.integrationId === bound.body.binding.bindingId)).toMatchObject({ name: 'HoneyBook', systemName: 'HoneyBook' });
    expect(held.health.vendorNeeded).toEqual([{ weddingId: 'w-ana', bindingId: bound.body.binding.bindingId, held: 1 }]);
    expect(held.health.attention).toContain('HoneyBook did not say which vendor it is for');
    expect(held.health.lastError?.message).toContain('HoneyBook payments');

    // The wedding's vendors by name, for the choice.
    const vendors = await api<VendorChoicesResponse>(t, '/api/weddings/w-ana/vendors', as);
    expect(vendors.status).toBe(200);
    expect(vendors.body.vendors.map((v) => v.name)).toEqual(['Lens & Light', 'Petal & Stem']);

    const put = (token: string, body: unknown, weddingId = 'w-ana') => t.fetch(`/api/connections/${connectionId}/bindings/${weddingId}/vendor`, {
      method: 'PUT', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() as Refusal & { binding: BindingSummary } }));
    expect(await put('', { vendorId: 'photo' }).then((r) => r.status)).toBe(401);
    // A vendor of the wedding does not see a binding that acts for no vendor; a couple neither.
    expect((await put(await alex.accessToken('w-ana'), { vendorId: 'photo' })).body.error.code).toBe('binding_not_found');
    expect((await put(await t.token('couple', ['w-ana']), { vendorId: 'photo' })).body.error.code).toBe('binding_not_found');
    // A member of the business with another wedding's token does not open this one.
    const other = await put(await pat.accessToken('w-chloe'), { vendorId: 'photo' });
    expect([other.status, other.body.error.code]).toEqual([403, 'wedding_forbidden']);
    expect((await put(as, { vendorId: 'nobody' })).body.error).toMatchObject({ code: 'validation_failed', message: expect.stringContaining('has no vendor nobody') });
    expect((await put(as, { vendor: 'photo' })).status).toBe(400);
    expect((await put(as, { vendorId: 'photo' }, 'w-chloe')).body.error.code).toBe('binding_not_found');
    expect(await serverSql(t.server).value('SELECT vendor_id FROM integrations WHERE id = ?', bound.body.binding.bindingId)).toBeNull();

    const chosen = await put(as, { vendorId: 'photo' });
    expect(chosen.status, JSON.stringify(chosen.body)).toBe(200);
    expect(chosen.body.binding).toMatchObject({ weddingId: 'w-ana', vendorId: 'photo' });
    // Now the binding acts for Lens & Light: Alex sees it, and may not hand it to another vendor or to none.
    const alexToken = await alex.accessToken('w-ana');
    expect(await put(alexToken, { vendorId: 'flor' }).then((r) => [r.status, r.body.error.code])).toEqual([403, 'role_forbidden']);
    expect(await put(alexToken, { vendorId: null }).then((r) => [r.status, r.body.error.code])).toEqual([403, 'role_forbidden']);
    expect((await serverSql(t.server).values<string>("SELECT detail FROM audit WHERE action = 'connection.vendor_changed'")).map((d) => JSON.parse(d)))
      .toEqual([{ connectionId, from: null, to: 'photo' }]);

    // The same file again: the held row is routed again (not "imported before"), and the payment is Lens & Light's.
    const again = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: CSV, mode: 'apply' } });
    expect(again.body.rows[0]).toMatchObject({ action: 'match' });
    await waitFor(() => planner.doc.listPayments().length === 1, 'the payment in the budget');
    expect(planner.doc.listPayments()[0]).toMatchObject({ vendorId: 'photo', amount: 900000, amountPaid: 300000, currency: 'GBP' });
    await waitFor(async () => (await summary()).health.vendorNeeded.length === 0, 'nothing held any more');
    expect(await parked()).toEqual([]);
    // A third time it is imported before, and nothing changes.
    const third = await api<ImportResponse>(t, '/api/integrations/import', as, { json: { connectionId, csv: CSV, mode: 'apply' } });
    expect(third.body.rows[0]).toMatchObject({ action: 'skip', reason: 'imported before (the same row)' });

    // Back to none: the planner may; a wedding's vendor list is the planner's, not a couple's.
    expect((await put(as, { vendorId: null })).body.binding.vendorId).toBeNull();
    expect((await api<Refusal>(t, '/api/weddings/w-ana/vendors', await t.token('couple', ['w-ana']))).body.error.code).toBe('role_forbidden');
    expect((await t.fetch('/api/weddings/w-ana/vendors')).status).toBe(401);
    await planner.destroy();
  }, 60_000);

  it('a HoneyBook payment sent by Zapier and held is applied when the same delivery is sent again after the vendor is chosen', async () => {
    const t = await startTestServer({ env });
    const { pat } = await studio(t, WEDDINGS.slice(0, 1));
    const workspaceId = (await t.server.people.weddingWorkspace('w-ana'))!;
    const as = await pat.accessToken('w-ana');
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as, { json: {
      workspaceId, system: 'preset', label: 'Studio HoneyBook', configuration: { preset: 'honeybook', direction: 'inbound' },
    } });
    expect(connected.status).toBe(201);
    const { connectionId, secretUrl } = connected.body;
    expect((await api(t, `/api/connections/${connectionId}/bindings`, as, { json: { weddingId: 'w-ana', references: ['hb-ana'] } })).status).toBe(201);
    // Its label is its name everywhere, its preset's name its system's.
    const named = (await api<ConnectionSummary>(t, `/api/connections/${connectionId}`, as)).body;
    expect([named.name, named.systemName]).toEqual(['Studio HoneyBook', 'HoneyBook']);
    const status = (await api<{ integrationStatus: { name: string; systemName: string }[] }>(t, '/api/integrations/status/w-ana', as)).body.integrationStatus;
    expect(status.map((i) => [i.name, i.systemName])).toEqual([['Studio HoneyBook', 'HoneyBook']]);
    const paid = { ...structuredClone(presetFor('honeybook').triggers.find((x) => x.id === 'new_payment_paid')!.example), project_id: 'hb-ana' };
    const send = () => fetch(`${secretUrl!}&trigger=new_payment_paid`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(paid) });
    expect((await send()).status).toBe(200);
    const parked = () => serverSql(t.server).values<string>("SELECT last_error FROM inbox WHERE status = 'parked'");
    await waitFor(async () => (await parked()).length === 1, 'the payment held');
    // The label the studio gave it names it.
    expect((await parked())[0]).toContain('Studio HoneyBook payments need to know which vendor they are for');

    const chosen = await t.fetch(`/api/connections/${connectionId}/bindings/w-ana/vendor`, { method: 'PUT', token: as, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vendorId: 'photo' }) });
    expect(chosen.status).toBe(200);
    expect((await send()).status).toBe(200);
    const ana = await t.connect('w-ana', as);
    await waitFor(() => ana.doc.listPayments().length === 1, 'the payment in the budget');
    expect(ana.doc.listPayments()[0]).toMatchObject({ vendorId: 'photo', status: 'paid' });
    expect(await parked()).toEqual([]);
    await ana.destroy();
  });
});
