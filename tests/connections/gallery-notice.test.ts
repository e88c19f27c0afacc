import { describe, expect, it } from 'vitest';
import { SmtpSandbox } from '../../adapters/email/sandbox.ts';
import { startVscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import type { ConnectionResult } from '../../schema/index.ts';
import { connectIntegration, seedWedding, setNotificationMode } from '../comms/helpers.ts';
import { signedIn, workspaceWith } from '../helpers/people.ts';
import { registerTeardown } from '../helpers/teardown.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

describe('an adapter\'s notice to the wedding\'s people (issue 13, story 1)', () => {
  it('a gallery marked delivered in VSCO Workspace reaches the couple in-app and by e-mail, once', async () => {
    const t = await startTestServer({ env });
    const sb = await startVscoSandbox();
    const smtp = await new SmtpSandbox().start();
    registerTeardown(() => Promise.all([sb.stop(), smtp.stop()]));
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    const lens = await workspaceWith(t, alex, 'Lens & Light', ['w-ana', 'w-other'], 'photographer');
    const token = await alex.accessToken('w-ana');
    const other = await alex.accessToken('w-other');
    for (const [weddingId, tk, email] of [['w-ana', token, 'ana.ben@example.com'], ['w-other', other, 'other.couple@example.com']] as const) {
      await seedWedding(t, tk, weddingId, { contacts: [
        { id: 'couple', name: 'Ana & Ben', role: 'couple', email, preferredChannels: ['email'] },
        { id: 'planner', name: 'Pat', role: 'planner', email: `pat.${weddingId}@example.com`, preferredChannels: ['email'] },
      ] });
      await setNotificationMode(t, tk, weddingId, 'automatic');
      await connectIntegration(t, tk, { weddingId, system: 'email', configuration: { host: '127.0.0.1', port: smtp.port, tls: 'none', from: { name: 'Lens & Light', address: 'studio@example.com' } } });
    }

    const job = await sb.createJob({ name: 'Ana & Ben', eventDate: '2027-09-18', guestCount: 120 });
    const otherJob = await sb.createJob({ name: 'Cleo & Dan', eventDate: '2027-10-02', guestCount: 60 });
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'vsco-workspace', label: 'Studio CRM',
      credentials: { apiKey: sb.apiKey }, configuration: { apiBaseUrl: sb.url, vendorId: 'photo', timeZone: 'America/New_York' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    for (const [weddingId, tk, ref] of [['w-ana', token, job.id], ['w-other', other, otherJob.id]] as const) {
      const bound = await api(t, `/api/connections/${connected.body.connectionId}/bindings`, tk, { json: { weddingId, references: [ref] } });
      expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    }
    const c = await t.connect('w-ana', token);
    await waitFor(() => c.doc.getGuests().count === 120, 'the job\'s guest count in the wedding');
    const notices = () => c.doc.listMessages().filter((m) => m.type === 'notice.gallery.delivered');
    // A gallery not delivered yet is no news.
    const gallery = sb.addGallery({ jobId: job.id, name: 'Ana & Ben — the day', status: 'draft', url: 'https://gallery.example/ab' });
    sb.updateJob(job.id, { guestCount: 121 });
    expect((await api(t, '/api/integrations/sync/w-ana', token, { json: {} })).status).toBe(200);
    await waitFor(() => c.doc.getGuests().count === 121, 'the pull applied');
    expect(notices()).toEqual([]);

    // ── the studio marks the gallery delivered in VSCO; the next pull tells the couple ──
    sb.updateGallery(gallery.id, { status: 'delivered', deliveredAt: '2027-10-20T10:00:00Z' });
    expect((await api(t, '/api/integrations/sync/w-ana', token, { json: {} })).status).toBe(200);
    await waitFor(() => notices().length === 1, 'the couple\'s in-app message');
    expect(notices()[0]).toMatchObject({ recipientIds: ['couple'], subject: 'Your photos are ready: Ana & Ben — the day', senderId: 'wedsync' });
    expect(notices()[0]!.body).toContain('https://gallery.example/ab');
    await waitFor(() => smtp.to('ana.ben@example.com').length === 1, 'one e-mail to the couple');
    expect(smtp.to('ana.ben@example.com')[0]!.subject).toContain('Your photos are ready: Ana & Ben — the day');
    await waitFor(() => notices()[0]!.deliveries['couple/email']?.status === 'sent', 'the e-mail recorded as sent');

    // A second pull (a full read lists the gallery again) sends nothing more; the other wedding hears nothing.
    sb.updateJob(job.id, { guestCount: 122 });
    expect((await api(t, '/api/integrations/sync/w-ana', token, { json: { syncType: 'full' } })).status).toBe(200);
    await waitFor(() => c.doc.getGuests().count === 122, 'the second pull applied');
    expect(notices()).toHaveLength(1);
    expect(smtp.to('ana.ben@example.com')).toHaveLength(1);
    expect(smtp.received.filter((m) => m.to.some((a) => a.includes('pat.') || a.includes('other.couple')))).toEqual([]);
    const o = await t.connect('w-other', other);
    await waitFor(() => o.doc.getGuests().count === 60, 'the other wedding synced');
    expect(o.doc.listMessages().filter((m) => m.type.startsWith('notice.'))).toEqual([]);
  });

  it('follows the wedding\'s notification mode: ask holds the notice for a planner to send, off sends nothing', async () => {
    const t = await startTestServer({ env });
    const sb = await startVscoSandbox();
    registerTeardown(() => sb.stop());
    const alex = await signedIn(t, 'alex@lens.example', 'Alex');
    const lens = await workspaceWith(t, alex, 'Lens & Light', ['w-ana'], 'photographer');
    const token = await alex.accessToken('w-ana');
    await seedWedding(t, token, 'w-ana', { contacts: [{ id: 'couple', name: 'Ana & Ben', role: 'couple', email: 'ana.ben@example.com', preferredChannels: ['email'] }] });
    const job = await sb.createJob({ name: 'Ana & Ben', eventDate: '2027-09-18', guestCount: 120 });
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: {
      workspaceId: lens.id, system: 'vsco-workspace', label: 'Studio CRM', credentials: { apiKey: sb.apiKey }, configuration: { apiBaseUrl: sb.url, vendorId: 'photo', timeZone: 'America/New_York' },
    } });
    expect(connected.status).toBe(201);
    expect((await api(t, `/api/connections/${connected.body.connectionId}/bindings`, token, { json: { weddingId: 'w-ana', references: [job.id] } })).status).toBe(201);
    const c = await t.connect('w-ana', token);
    await waitFor(() => c.doc.getGuests().count === 120, 'the job in the wedding');
    const notices = () => c.doc.listMessages().filter((m) => m.type.startsWith('notice.'));
    const pending = async () => (await api<{ pending: { id: string; subject: string; recipients: { id: string }[] }[] }>(t, '/api/weddings/w-ana/notifications/pending', token)).body.pending;
    const pull = async (guests: number) => {
      sb.updateJob(job.id, { guestCount: guests });
      expect((await api(t, '/api/integrations/sync/w-ana', token, { json: {} })).status).toBe(200);
      await waitFor(() => c.doc.getGuests().count === guests, `pull ${guests} applied`);
    };

    // ask (the default): pending, not sent; a second pull does not ask twice; the planner sends it.
    const first = sb.addGallery({ jobId: job.id, name: 'The day', status: 'draft', url: 'https://gallery.example/1' });
    await pull(121);
    sb.updateGallery(first.id, { status: 'delivered', deliveredAt: '2027-10-20T10:00:00Z' });
    await pull(125);
    await waitFor(async () => (await pending()).length === 1, 'the notice held for a planner');
    expect(notices()).toEqual([]);
    const [held] = await pending();
    expect(held).toMatchObject({ subject: 'Your photos are ready: The day', recipients: [{ id: 'couple' }] });
    await pull(122);
    expect(await pending()).toHaveLength(1);
    expect((await api(t, `/api/weddings/w-ana/notifications/pending/${held!.id}/send`, token, { json: {} })).status).toBe(201);
    await waitFor(() => notices().length === 1, 'sent by the planner');
    await pull(123);
    expect(notices()).toHaveLength(1);

    // off: a new gallery is neither sent nor held.
    await setNotificationMode(t, token, 'w-ana', 'off');
    const second = sb.addGallery({ jobId: job.id, name: 'The party', status: 'draft', url: 'https://gallery.example/2' });
    await pull(124);
    sb.updateGallery(second.id, { status: 'delivered', deliveredAt: '2027-10-21T10:00:00Z' });
    await pull(126);
    expect(notices()).toHaveLength(1);
    expect(await pending()).toEqual([]);
  });
});
