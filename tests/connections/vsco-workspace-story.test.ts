import { describe, expect, it } from 'vitest';
import { startVscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import type { BudgetResponse, ConnectionResult, UnmatchedSummary } from '../../schema/index.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

/** What the studio's website contact form posts to VSCO's legacy New Lead endpoint (form-encoded, with the studio's SecretKey). */
function leadForm(url: string, secretKey: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams({ SecretKey: secretKey, JobType: 'Wedding', ...fields }).toString(),
  });
}

describe('a photographer\'s VSCO Workspace studio and its weddings', () => {
  it('a lead from the website becomes a wedding; the planner moves the ceremony and the Táve session moves; a payment shows in the budget', async () => {
    const t = await startTestServer({ env });
    const sb = await startVscoSandbox();
    registerTeardown(() => sb.stop());
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    // The studio already plans one wedding: a person's token opens one wedding, and acts for the studio's workspace.
    const lens = await workspaceWith(t, alex, 'Lens & Light', ['w-existing'], 'photographer');
    const token = await alex.accessToken('w-existing');

    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'vsco-workspace', label: 'Studio CRM', autoCreateWeddings: true,
      credentials: { apiKey: sb.apiKey },
      configuration: { apiBaseUrl: sb.url, vendorId: 'photo', timeZone: 'America/New_York' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    // One REST hook per event, each to the connection's webhook URL with its secret token.
    await waitFor(() => sb.hooks.size === 4, 'the REST hooks subscribed');
    for (const hook of sb.hooks.values()) expect(hook.url.startsWith(`${connected.body.webhookUrl}?token=`)).toBe(true);

    // ── the couple fill in the contact form on the studio's website ──
    const posted = await leadForm(sb.leadFormUrl, sb.leadSecretKey, {
      FirstName: 'Maria', LastName: 'Lopez', Email: 'maria@example.com',
      SpouseFirstName: 'Tom', SpouseLastName: 'Berg', EventDate: '2027-09-18', GuestCount: '120',
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toBe('OK');
    const job = [...sb.jobs.values()][0]!;
    expect(job).toMatchObject({ stage: 'lead', webLead: true, eventDate: '2027-09-18', guestCount: 120 });
    // job.created reached the hub and was accepted (contact.created too, and acknowledged without effect).
    expect(sb.deliveries.find((d) => d.body.includes('job.created'))?.status).toBe(200);
    expect(sb.deliveries.filter((d) => d.body.includes('contact.created')).map((d) => d.status)).toEqual([200, 200]);

    // With autoCreateWeddings, the lead is a wedding of the studio: the couple, the date, the guest count.
    let created: UnmatchedSummary | undefined;
    await waitFor(async () => {
      const records = (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched?status=created`, token)).body.records;
      created = records.find((r) => r.externalId === job.id && r.entity === 'meta');
      return created;
    }, 'a wedding made from the lead');
    const weddingId = created!.weddingIds[0]!;
    const planner = await alex.accessToken(weddingId);
    const c = await t.connect(weddingId, planner);
    await waitFor(() => c.doc.getGuests().count === 120, 'the guest count from the job');
    expect(c.doc.getMeta()).toMatchObject({ title: 'Maria Lopez & Tom Berg', date: '2027-09-18' });

    // ── the studio schedules the ceremony session in VSCO; the pull brings it into the timeline ──
    const session = sb.addSession({ jobId: job.id, name: 'Ceremony', startDate: '2027-09-18', startTime: '15:00', endDate: '2027-09-18', endTime: '16:00', timezoneName: 'America/New_York', location: { name: 'Old Mill', city: 'Hudson' } });
    expect((await api(t, `/api/integrations/sync/${weddingId}`, planner, { json: {} })).status).toBe(200);
    const ceremony = () => c.doc.listEvents().find((e) => e.title === 'Ceremony');
    await waitFor(() => ceremony(), 'the ceremony in the wedding\'s timeline');
    expect(ceremony()).toMatchObject({ start: '2027-09-18T15:00:00-04:00', end: '2027-09-18T16:00:00-04:00', location: 'Old Mill, Hudson', category: 'ceremony' });

    // ── the planner moves the ceremony half an hour later: the Táve session moves ──
    c.doc.upsertEvent({ id: ceremony()!.id, start: '2027-09-18T15:30:00-04:00', end: '2027-09-18T16:30:00-04:00' });
    await c.whenAcknowledged();
    await waitFor(() => sb.events.get(session.id)!.startTime === '15:30', 'the session moved in VSCO');
    expect(sb.events.get(session.id)).toMatchObject({ startDate: '2027-09-18', startTime: '15:30', endDate: '2027-09-18', endTime: '16:30', timezoneName: 'America/New_York' });
    expect(sb.requests.filter((r) => r.method === 'PUT' && r.path === `/api/v2/event/${session.id}`)).toHaveLength(1);

    // ── the couple pay the retainer; the studio records it in VSCO: payment.created → the budget ──
    const payment = await sb.recordPayment({ jobId: job.id, amount: 150_000, currencyCode: 'USD', status: 'completed', description: 'Retainer', paidDate: '2027-01-10' });
    expect(sb.deliveries.find((d) => d.body.includes(payment.id))?.status).toBe(200);
    await waitFor(() => c.doc.listPayments().some((p) => p.amount === 150_000), 'the payment in the wedding');
    expect(c.doc.listPayments()).toEqual([expect.objectContaining({ amount: 150_000, amountPaid: 150_000, currency: 'USD', status: 'paid', vendorId: 'photo', description: 'Retainer' })]);
    const budget = await api<BudgetResponse>(t, `/api/weddings/${weddingId}/budget`, planner);
    expect(budget.status).toBe(200);
    expect(budget.body.budget.totals.USD!.paid).toBe(150_000);

    // A forged delivery (no token, or another) is refused and changes nothing.
    const forged = await fetch(connected.body.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event: 'payment.created', data: { id: payment.id } }) });
    expect(forged.status).toBe(401);

    // ── with automatic creation off, the next lead waits in the unmatched queue ──
    expect((await api(t, `/api/connections/${connected.body.connectionId}`, token, { method: 'PATCH', json: { autoCreateWeddings: false } })).status).toBe(200);
    const second = await leadForm(sb.leadFormUrl, sb.leadSecretKey, { FirstName: 'Lena', LastName: 'Park', PartnerFirstName: 'Sam', PartnerLastName: 'Ode', EventDate: '2027-10-02', GuestCount: '80' });
    expect(second.status).toBe(200);
    const lena = [...sb.jobs.values()].find((j) => j.id !== job.id)!;
    const waiting = await waitFor(async () => (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched?status=open`, token)).body.records.find((r) => r.externalId === lena.id && r.entity === 'meta'), 'the lead in the queue');
    expect(waiting.record).toMatchObject({ title: 'Lena Park & Sam Ode', date: '2027-10-02' });
    expect((await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${lens.id}/unmatched?status=created`, token)).body.records.filter((r) => r.entity === 'meta')).toHaveLength(1);

    // Disconnecting removes the REST hooks from VSCO.
    expect((await api(t, `/api/connections/${connected.body.connectionId}`, token, { method: 'DELETE' })).status).toBeLessThan(300);
    await waitFor(() => sb.hooks.size === 0, 'the REST hooks deleted');
  });
});
