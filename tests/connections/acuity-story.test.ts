import { describe, expect, it } from 'vitest';
import { startAcuity } from '../../adapters/acuity/sandbox.ts';
import type { ConnectionResult } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, studio } from './helpers.ts';

const env = { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' };

const WEDDINGS = [
  { id: 'w-ana', meta: { title: 'Ana & Ben', date: '2027-06-12', timezone: 'Europe/London', venue: 'Kew Barn' }, start: '2027-06-12T14:00:00+01:00' },
  { id: 'w-chloe', meta: { title: 'Chloe & Dev', date: '2027-07-03', timezone: 'America/New_York', venue: 'Hudson Loft' }, start: '2027-07-03T16:30:00-04:00' },
] as const;

describe('a photographer\'s Acuity account serves every wedding of the studio', () => {
  it('a booking naming the couple\'s reference becomes a timeline event of that wedding; a reschedule moves it; a cancel removes it; a move in the wedding reschedules it', async () => {
    const t = await startTestServer({ env });
    const s = await startAcuity();
    try {
      const { pat, alex, lens } = await studio(t, WEDDINGS);
      const as = { 'w-ana': await alex.accessToken('w-ana'), 'w-chloe': await alex.accessToken('w-chloe') };

      // Wrong credentials are refused before anything is stored.
      const refused = await api<{ error: { code: string } }>(t, '/api/integrations/vendor/connect', as['w-ana'], { json: {
        workspaceId: lens.id, system: 'acuity', credentials: { userId: s.userId, apiKey: 'wrong-key-entirely' }, configuration: { apiBase: s.url },
      } });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(refused.body.error.code).toBe('connection_test_failed');

      const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', as['w-ana'], { json: {
        workspaceId: lens.id, system: 'acuity', credentials: { userId: s.userId, apiKey: s.apiKey }, configuration: { apiBase: s.url },
      } });
      expect(connected.status, JSON.stringify(connected.body)).toBe(201);
      // One subscription per event for the account, all to the connection's webhook URL.
      await waitFor(() => s.webhooks.size === 4, 'the four dynamic webhooks');
      expect([...s.webhooks.values()].every((w) => w.target === connected.body.webhookUrl)).toBe(true);
      for (const w of WEDDINGS) {
        const bound = await api(t, `/api/connections/${connected.body.connectionId}/bindings`, as[w.id], { json: { weddingId: w.id, references: [`${w.id.slice(2).toUpperCase()}-2027`] } });
        expect(bound.status, JSON.stringify(bound.body)).toBe(201);
      }

      // ── the couple books their engagement shoot, naming their booking reference on the intake form ──
      const appt = await s.book({
        firstName: 'Ana', lastName: 'Reyes', email: 'ana@example.com', datetime: '2027-03-06T11:00:00+00:00', timezone: 'Europe/London', duration: 90,
        type: 'Engagement shoot', location: 'Kew Gardens', notes: 'Bring the dog', answers: { 'Wedding reference': 'ANA-2027' },
      });
      expect(s.sent.filter((d) => d.event === 'appointment.scheduled').map((d) => d.status)).toEqual([200]);
      const ana = await t.connect('w-ana', as['w-ana']);
      const shoot = () => ana.doc.listEvents().find((e) => e.title === 'Engagement shoot: Ana Reyes');
      await waitFor(() => !!shoot(), 'the shoot in Ana & Ben\'s timeline');
      expect(Date.parse(shoot()!.start)).toBe(Date.parse('2027-03-06T11:00:00Z'));
      expect(Date.parse(shoot()!.end)).toBe(Date.parse('2027-03-06T12:30:00Z'));
      expect(shoot()!).toMatchObject({ location: 'Kew Gardens', notes: 'Bring the dog', category: 'meeting', vendorIds: ['photo'] });
      const chloe = await t.connect('w-chloe', as['w-chloe']);
      await chloe.whenSynced();
      expect(chloe.doc.listEvents().map((e) => e.title)).toEqual(['Couple portraits']);

      // A forged delivery is refused and changes nothing.
      const forged = s.notification({ ...appt, id: appt.id }, 'appointment.canceled', 'not-the-api-key');
      const res = await fetch(connected.body.webhookUrl, { method: 'POST', headers: forged.headers, body: forged.body });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);

      // ── the couple reschedules in Acuity: the same event moves ──
      const id = shoot()!.id;
      await s.reschedule(appt.id, '2027-03-13T15:00:00+00:00');
      await waitFor(() => Date.parse(ana.doc.getEvent(id)?.start ?? '') === Date.parse('2027-03-13T15:00:00Z'), 'the shoot moved');
      expect(Date.parse(ana.doc.getEvent(id)!.end)).toBe(Date.parse('2027-03-13T16:30:00Z'));
      expect(ana.doc.listEvents()).toHaveLength(2);

      // ── the planner moves it in the wedding: Acuity reschedules the appointment ──
      const planner = await t.connect('w-ana', await pat.accessToken('w-ana'));
      await planner.whenSynced();
      planner.doc.upsertEvent({ id, start: '2027-03-13T16:00:00+00:00', end: '2027-03-13T17:30:00+00:00' });
      await planner.whenAcknowledged();
      await waitFor(() => parseDate(s.appointments.get(appt.id)!.datetime) === Date.parse('2027-03-13T16:00:00Z'), 'the appointment rescheduled in Acuity');

      // Acuity's own notification of that reschedule comes back and changes nothing.
      await waitFor(() => s.sent.filter((d) => d.event === 'appointment.rescheduled').length === 2, 'Acuity\'s echo delivered');
      await waitFor(() => Date.parse(ana.doc.getEvent(id)?.start ?? '') === Date.parse('2027-03-13T16:00:00Z'), 'the move kept');
      expect(Date.parse(ana.doc.getEvent(id)!.end)).toBe(Date.parse('2027-03-13T17:30:00Z'));

      // ── a booking without a reference, on Chloe & Dev's day and naming Chloe, is matched by date and name ──
      // Acuity rate-limits the read-back of the first delivery: it is answered 5xx (Acuity delivers again), and
      // the `changed` delivery of the same booking brings it in.
      s.rateLimitNext(1, '2', new RegExp(`/appointments/${s.nextAppointmentId}$`));
      const walk = await s.book({ firstName: 'Chloe', lastName: 'Park', datetime: '2027-07-03T10:00:00-04:00', timezone: 'America/New_York', duration: 60, type: 'Venue walkthrough', location: 'Hudson Loft' });
      await waitFor(() => chloe.doc.listEvents().some((e) => e.title === 'Venue walkthrough: Chloe Park'), 'the walkthrough in Chloe & Dev\'s timeline');
      expect(chloe.doc.listEvents().find((e) => e.title === 'Venue walkthrough: Chloe Park')!.start).toBe('2027-07-03T10:00:00-04:00');
      expect(ana.doc.listEvents().some((e) => e.title.startsWith('Venue walkthrough'))).toBe(false);
      expect(s.sent.filter((d) => new URLSearchParams(d.body).get('id') === String(walk.id)).map((d) => [d.event, d.status >= 500 ? '5xx' : d.status])).toEqual([['appointment.scheduled', '5xx'], ['appointment.changed', 200]]);

      // ── the couple cancels: the event leaves the timeline ──
      await s.cancel(appt.id);
      await waitFor(() => ana.doc.getEvent(id) === undefined, 'the canceled shoot removed');
      expect(ana.doc.listEvents().map((e) => e.title)).toEqual(['Couple portraits']);

      // ── disconnecting deletes the subscriptions ──
      const gone = await api(t, `/api/connections/${connected.body.connectionId}`, as['w-ana'], { method: 'DELETE' });
      expect(gone.status).toBeLessThan(300);
      await waitFor(() => s.webhooks.size === 0, 'the webhooks deleted');
      await planner.destroy();
      await ana.destroy();
      await chloe.destroy();
    } finally {
      await s.stop();
      await t.close();
    }
  });
});

function parseDate(acuity: string): number {
  return Date.parse(acuity.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}
