import { describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectMessaging, postJson, seedWedding, setNotificationMode, startCommsSandboxes } from '../comms/helpers.ts';
import { planPayments, wedding } from './helpers.ts';

describe('payment reminders and overdue totals (controllable clock)', () => {
  it('reminds the couple and planner 7 and 1 days before a due date at 09:00 wedding time, not after it is paid; unpaid ones turn overdue', async () => {
    let now = Date.parse('2027-01-01T12:00:00Z');
    const t = await startTestServer({ now: () => now, env: { NOTIFY_QUIET_MINUTES: '0' } });
    const planner = await t.token('planner', ['w1']);
    const sb = await startCommsSandboxes();
    await seedWedding(t, planner, 'w1', { ...wedding, meta: { ...wedding.meta, timezone: 'America/New_York' } });
    await connectMessaging(t, planner, 'w1', sb);
    await setNotificationMode(t, planner, 'w1', 'automatic');
    const client = await t.connect('w1', planner);
    await client.whenSynced();
    await planPayments(t, planner, 'w1', { vendorId: 'photo', currency: 'USD', total: 400_000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-01-20' }, { milestone: 'balance', weight: 1, due: '2027-01-20' }] });
    const reminders = () => sb.smtp.to('ana.ben@example.com').filter((m) => /^(\d updates: )?(Reminder|Overdue)/.test(m.subject));

    // 13 January, 08:59 in New York (13:59 UTC): not yet.
    now = Date.parse('2027-01-13T13:59:00Z');
    await t.server.comms.tick();
    expect(reminders()).toHaveLength(0);
    now = Date.parse('2027-01-13T14:00:01Z');
    await t.server.comms.tick();
    // The two reminders fall due together: one message with both (automatic messages are batched).
    await waitFor(() => reminders().length === 1, 'the 7-day reminders');
    expect(reminders()[0]!.subject).toBe('2 updates: Reminder: deposit for Lens & Light, US$2,000.00 · Reminder: balance for Lens & Light, US$2,000.00 — Ana & Ben');
    expect(reminders()[0]!.text).toContain('The deposit of US$2,000.00 for Lens & Light is due on Wednesday, 20 January 2027 (in 7 days)');
    expect(reminders()[0]!.text).toContain('The balance of US$2,000.00 for Lens & Light is due on Wednesday, 20 January 2027 (in 7 days)');
    await waitFor(() => sb.smtp.to('pat@example.com').filter((m) => m.subject.includes('Reminder')).length === 1, 'the planner reminded too');

    // The deposit is paid by bank transfer: its later reminders are cancelled.
    expect((await postJson(t, '/api/weddings/w1/payments/photo-deposit/transactions', planner, { type: 'payment', amount: 200_000, currency: 'USD' })).status).toBe(200);
    now = Date.parse('2027-01-19T14:00:01Z');
    await t.server.comms.tick();
    await waitFor(() => reminders().length === 2, 'the 1-day reminder for the balance only');
    expect(reminders()[1]!.subject).toBe('Reminder: balance for Lens & Light, US$2,000.00 — Ana & Ben');
    expect(reminders()[1]!.text).toContain('(in 1 day)');

    // The day after the due date the unpaid balance is overdue in the budget every peer sees.
    expect(client.doc.getBudget()?.totals.USD?.overdue).toBe(0);
    now = Date.parse('2027-01-21T05:00:01Z');
    await t.server.comms.tick();
    await waitFor(() => client.doc.getBudget()?.totals.USD?.overdue === 200_000, 'overdue in the budget');
    expect(client.doc.getBudget()).toMatchObject({ asOf: '2027-01-21', totals: { USD: { planned: 400_000, paid: 200_000, outstanding: 200_000, overdue: 200_000 } } });
    now = Date.parse('2027-01-21T14:00:01Z');
    await t.server.comms.tick();
    await waitFor(() => reminders().some((m) => m.subject.startsWith('Overdue: balance')), 'overdue reminder');
  });
});
