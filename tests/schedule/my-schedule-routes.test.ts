import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crewOf } from '../../schema/document/contributions.ts';
import { signedIn, workspaceWith, type Browser } from '../helpers/people.ts';
import { pdfTextRuns } from '../helpers/pdf-text.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { HIDDEN_FROM_VENDOR, seedWedding } from './schedule-fixture.ts';

type ScheduleBody = { weddings: Array<{ weddingId: string; title: string; events: Array<{ eventId: string; callTime: string }>; payments: Array<{ id: string }> }> };
const code = async (res: Response) => ((await res.json()) as { error?: { code?: string } }).error?.code;

describe('GET /api/me/schedule, PUT …/crew and the run-of-show PDF', () => {
  let t: TestServer;
  let pia: Browser;
  let ana: Browser;
  beforeAll(async () => {
    t = await startTestServer();
    ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const zoe = await signedIn(t, 'zoe@other.example', 'Zoe');
    pia = await signedIn(t, 'pia@lens.example', 'Pia');
    await workspaceWith(t, ana, 'Bloom', ['wed_bloom1', 'wed_bloom3']);
    await workspaceWith(t, zoe, 'Other Planning', ['wed_other2']);
    const studio = await workspaceWith(t, pia, 'Lens & Light', [], 'vendor');
    for (const [id, title] of [['wed_bloom1', 'Ava & Sam'], ['wed_other2', 'Lee & Kim'], ['wed_bloom3', 'Not yours']] as const) {
      await t.server.collab.withDocument(id, (ydoc) => seedWedding(ydoc, title));
    }
    // Through the studio on one wedding, in person on another, and not on the third.
    await t.server.people.addParticipant({ weddingId: 'wed_bloom1', role: 'vendor', vendorId: 'photo', vendorWorkspaceId: studio.id });
    await t.server.people.addParticipant({ weddingId: 'wed_other2', role: 'vendor', vendorId: 'photo', personId: pia.person.id });
  });
  afterAll(async () => { await t?.close(); });

  it("lists the vendor's two weddings with only its events and payments, and nothing it may not read", async () => {
    const res = await pia.fetch('/api/me/schedule', { csrf: false });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as ScheduleBody;
    expect(body.weddings.map((w) => [w.weddingId, w.title])).toEqual([['wed_bloom1', 'Ava & Sam'], ['wed_other2', 'Lee & Kim']]);
    for (const w of body.weddings) {
      expect(w.events.map((e) => e.eventId)).toEqual(['ready', 'family']);
      expect(w.payments.map((p) => p.id)).toEqual(['p-photo']);
    }
    for (const secret of HIDDEN_FROM_VENDOR) expect(text).not.toContain(secret);
    // A planner who is no vendor anywhere has an empty schedule.
    expect(await (await ana.fetch('/api/me/schedule', { csrf: false })).json()).toEqual({ weddings: [] });
    expect((await fetch(`${t.httpUrl}/api/me/schedule`)).status).toBe(401);
  });

  it('the vendor sets its own call time on an event it is on, and on nothing else', async () => {
    const put = (wedding: string, event: string, body: unknown, csrf = true) =>
      pia.fetch(`/api/me/schedule/${wedding}/events/${event}/crew`, { method: 'PUT', json: body, csrf });
    const ok = await put('wed_other2', 'ready', { callTime: '2027-06-12T12:50:00Z' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ event: { eventId: 'ready', callTime: '2027-06-12T12:50:00Z', confirmed: false } });
    expect(await t.server.collab.withDocument('wed_other2', (d) => crewOf(d, 'ready').photo)).toEqual({ arrival: '2027-06-12T12:50:00Z', notes: '', confirmed: false });
    // Keeps notes and confirmation it does not send.
    expect(await (await put('wed_other2', 'family', { callTime: '' })).json()).toMatchObject({ event: { callTime: '', crewNotes: 'photo crew note', confirmed: true } });

    // Notes and confirmation alone keep the stored call time (vendor trial: a stale page's save put
    // back the call time the planner had just moved); an empty body is refused.
    expect(await (await put('wed_other2', 'ready', { notes: 'two shooters', confirmed: true })).json()).toMatchObject({ event: { callTime: '2027-06-12T12:50:00Z', crewNotes: 'two shooters', confirmed: true } });
    expect(await code(await put('wed_other2', 'ready', {}))).toBe('validation_failed');
    await put('wed_other2', 'ready', { notes: '', confirmed: false });
    expect(await code(await put('wed_other2', 'dinner', { callTime: '2027-06-12T12:50:00Z' }))).toBe('role_forbidden');
    expect(await code(await put('wed_bloom3', 'ready', { callTime: '2027-06-12T12:50:00Z' }))).toBe('wedding_forbidden');
    expect(await code(await put('wed_other2', 'nope', { callTime: '2027-06-12T12:50:00Z' }))).toBe('not_found');
    expect(await code(await put('wed_other2', 'ready', { callTime: '12:50' }))).toBe('validation_failed');
    expect(await code(await put('wed_other2', 'ready', { callTime: '2027-06-12T12:00:00Z' }, false))).toBe('csrf_failed');
    // A planner of the wedding is not its vendor here.
    expect(await code(await ana.fetch('/api/me/schedule/wed_bloom1/events/ready/crew', { method: 'PUT', json: { callTime: '' } }))).toBe('wedding_forbidden');
    // Nothing refused was written.
    expect(await t.server.collab.withDocument('wed_other2', (d) => crewOf(d, 'dinner').photo)).toBeUndefined();
    expect(await t.server.collab.withDocument('wed_other2', (d) => crewOf(d, 'ready').photo?.arrival)).toBe('2027-06-12T12:50:00Z');
  });

  it("the PDF holds the day's events and times in the wedding's zone, from the reader's own audience", async () => {
    const planner = await ana.accessToken('wed_bloom1');
    const whole = await t.fetch('/api/weddings/wed_bloom1/run-of-show.pdf', { token: planner });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/pdf');
    const all = pdfTextRuns(new Uint8Array(await whole.arrayBuffer())).join('\n');
    for (const s of ['Ava & Sam', 'Times in Europe/London', '14:30-15:00', 'Groom getting ready', '14:45-15:15', 'Family photos', '18:00-20:00', 'Dinner', '00:30-01:15', 'Late snacks', 'Bring the cufflinks', 'caterer@secret.example']) {
      expect(all).toContain(s);
    }

    const vendor = await pia.accessToken('wed_bloom1');
    const own = await t.fetch('/api/weddings/wed_bloom1/run-of-show.pdf?vendorId=photo', { token: vendor });
    expect(own.status).toBe(200);
    const part = pdfTextRuns(new Uint8Array(await own.arrayBuffer())).join('\n');
    expect(part).toContain('Run-of-show for Lens & Light');
    expect(part).toContain('14:30-15:00');
    expect(part).toContain('call time 14:15');
    expect(part).not.toContain('Dinner');
    for (const secret of HIDDEN_FROM_VENDOR) expect(part).not.toContain(secret);
    // The whole day from a vendor's token is still the vendor's audience: no one else's contacts.
    const day = pdfTextRuns(new Uint8Array(await (await t.fetch('/api/weddings/wed_bloom1/run-of-show.pdf', { token: vendor })).arrayBuffer())).join('\n');
    expect(day).toContain('Dinner');
    for (const secret of HIDDEN_FROM_VENDOR) expect(day).not.toContain(secret);

    expect(await code(await t.fetch('/api/weddings/wed_bloom1/run-of-show.pdf?vendorId=cater', { token: vendor }))).toBe('role_forbidden');

    // What each role's PDF of the whole day holds: its audience, no more.
    const table: Array<{ role: 'couple' | 'viewer' | 'vendor'; vendorId?: string; has: string[]; hasNot: string[] }> = [
      { role: 'couple', has: ['caterer@secret.example', '+44 20 7000 0001', 'Bring the cufflinks'], hasNot: ['caterer crew note', 'photo crew note', 'caterer internal note'] },
      { role: 'viewer', has: ['Dinner', 'call time 13:00'], hasNot: ['caterer@secret.example', 'photo@lens.example', 'crew note'] },
      { role: 'vendor', vendorId: 'cater', has: ['caterer@secret.example', 'caterer crew note'], hasNot: ['photo@lens.example', 'photo crew note'] },
    ];
    for (const row of table) {
      const token = await t.token(row.role, ['wed_bloom1'], row.vendorId ? { vendorId: row.vendorId } : {});
      const res = await t.fetch('/api/weddings/wed_bloom1/run-of-show.pdf', { token });
      expect({ role: row.role, status: res.status }).toEqual({ role: row.role, status: 200 });
      const printed = pdfTextRuns(new Uint8Array(await res.arrayBuffer())).join('\n');
      for (const s of row.has) expect({ role: row.role, s, found: printed.includes(s) }).toEqual({ role: row.role, s, found: true });
      for (const s of row.hasNot) expect({ role: row.role, s, found: printed.includes(s) }).toEqual({ role: row.role, s, found: false });
    }
    expect(await code(await t.fetch('/api/weddings/wed_bloom3/run-of-show.pdf', { token: vendor }))).toBe('wedding_forbidden');
    expect(await code(await t.fetch('/api/weddings/wed_bloom1/run-of-show.pdf?vendorId=ghost', { token: planner }))).toBe('not_found');
    expect((await t.fetch('/api/weddings/wed_bloom1/run-of-show.pdf')).status).toBe(401);
  });
});
