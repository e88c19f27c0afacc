import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import { waitFor } from '../helpers/wait.ts';
import { webhooksWedding } from './helpers.ts';

/** Entity ids the schema allows that name members of Object.prototype. */
const PROTOTYPE_NAMES = ['toString', 'valueOf', 'hasOwnProperty'] as const;
/** The ids the schema reserves (schema/own-keys.ts RESERVED_KEYS). */
const RESERVED = ['constructor', '__proto__'] as const;

describe('vendors and payments whose ids name Object.prototype members', () => {
  it('come in by webhook, go out to the subscriber, and are exported by privacy requests like any id', async () => {
    const { t, planner, receiver, client, conn } = await webhooksWedding();

    for (const [i, id] of PROTOTYPE_NAMES.entries()) {
      expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: `v_${i}`, type: 'vendor.upserted', data: { id, name: `Vendor ${id}`, category: 'other', email: `${id.toLowerCase()}@vendors.example` } })).status).toBe(200);
      expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: `p_${i}`, type: 'payment.upserted', data: { id, vendorId: id, amount: 5000 + i, currency: 'GBP' } })).status).toBe(200);
    }
    // A reserved id (an external id the document cannot use) is stored under an id the bridge mints,
    // as any external id outside the id pattern is: never under its own name, never a failed write.
    for (const [i, id] of RESERVED.entries()) {
      expect((await sendStandardWebhook(conn.webhookUrl, conn.webhookSecret, { id: `r_${i}`, type: 'payment.upserted', data: { id, vendorId: 'toString', amount: 100 + i, currency: 'GBP' } })).status).toBe(200);
    }
    await waitFor(() => PROTOTYPE_NAMES.every((id) => client.doc.getPayment(id)?.amount !== undefined && client.doc.getVendor(id)), 'the webhooks at the client');
    await waitFor(() => client.doc.listPayments().length === PROTOTYPE_NAMES.length + RESERVED.length, 'the reserved ids stored under minted ids');
    const minted = client.doc.listPayments().filter((p) => !(PROTOTYPE_NAMES as readonly string[]).includes(p.id));
    expect(minted.map((p) => p.amount).sort()).toEqual([100, 101]);
    for (const p of minted) expect(p).toMatchObject({ vendorId: 'toString', id: expect.stringMatching(/^webhooks-[0-9a-f]{16}$/) });
    for (const [i, id] of PROTOTYPE_NAMES.entries()) {
      expect(client.doc.getVendor(id)).toMatchObject({ id, name: `Vendor ${id}` });
      expect(client.doc.getPayment(id)).toMatchObject({ id, vendorId: id, amount: 5000 + i });
    }

    // A planner's edit goes out once per payment, under its own id, and never echoes what came in.
    for (const id of PROTOTYPE_NAMES) client.doc.upsertPayment({ id, amountPaid: 1000 });
    const outgoing = () => receiver.accepted().filter((r) => r.body.type === 'payment.upserted');
    await waitFor(() => PROTOTYPE_NAMES.every((id) => outgoing().some((r) => r.body.data.id === id && r.body.data.amountPaid === 1000)), 'the edits at the subscriber');
    for (const id of PROTOTYPE_NAMES) expect(outgoing().filter((r) => r.body.data.id === id)).toHaveLength(1);

    for (const id of PROTOTYPE_NAMES) {
      const res = await t.fetch(`/api/people/vendor:w1:${id}/export`, { token: planner });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { identifiers: { names: string[]; emails: string[] }; weddings: { document: { entry: { id: string } | null } }[] };
      expect(new Set(body.identifiers.emails)).toEqual(new Set([`${id.toLowerCase()}@vendors.example`]));
      expect(body.weddings[0]!.document.entry).toMatchObject({ id });
    }
  });
});
