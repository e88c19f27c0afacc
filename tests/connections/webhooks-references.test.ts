import { describe, expect, it } from 'vitest';
import { sendStandardWebhook } from '../../adapters/webhooks/sandbox.ts';
import type { ConnectionResult, UnmatchedSummary } from '../../schema/index.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { api, STORY_WEDDINGS, studio } from './helpers.ts';

const [ANA, CHLOE] = STORY_WEDDINGS;

/*
 * The story: a planning studio's own system keys everything by its job numbers, not by our
 * wedding ids. Each event it sends names the job (`reference`) and what the job is (`hints`); the
 * weddings' bindings hold their job numbers. The same event id ("portraits") in two jobs stays
 * apart, and a job no wedding holds yet becomes a wedding in one action.
 */
describe('events of a Standard Webhooks system that name their job, not our wedding', () => {
  it('reach the wedding holding the job; the same id under two jobs stays apart; a new job waits in the queue and becomes a wedding that takes its next events', async () => {
    const t = await startTestServer({ env: { CASCADE_DELAY_MS: '0', PULL_INTERVAL_MS: '600000' } });
    const { pat, bloom } = await studio(t, [ANA, CHLOE]);
    const token = await pat.accessToken(ANA.id);
    const connected = await api<ConnectionResult>(t, '/api/integrations/vendor/connect', token, { json: { workspaceId: bloom.id, system: 'webhooks', label: 'Studio system', configuration: { direction: 'inbound' } } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const { connectionId, webhookUrl, webhookSecret } = connected.body;
    // The studio's own script binds its weddings with a planner API key of the business, as a person would.
    const created = await pat.fetch(`/api/workspaces/${bloom.id}/api-keys`, { json: { name: 'job sync', role: 'planner', weddings: ['*'] } });
    expect(created.status).toBe(201);
    const { key } = await created.json() as { key: string };
    for (const [w, jobs] of [[ANA, ['JOB-1041', 'JOB-1050']], [CHLOE, ['JOB-1077']]] as const) {
      const bound = await api(t, `/api/connections/${connectionId}/bindings`, key, { json: { weddingId: w.id, references: jobs } });
      expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    }
    const ana = await t.connect(ANA.id, await pat.accessToken(ANA.id));
    const chloe = await t.connect(CHLOE.id, await pat.accessToken(CHLOE.id));
    await Promise.all([ana.whenSynced(), chloe.whenSynced()]);
    let n = 0;
    const send = (reference: unknown, data: Record<string, unknown>, more: { type?: string; hints?: unknown } = {}) =>
      sendStandardWebhook(webhookUrl, webhookSecret, { id: `evt-${++n}`, type: more.type ?? 'timeline.upserted', reference, data, ...(more.hints !== undefined ? { hints: more.hints } : {}) });

    // The studio's records are its own, numbered within each job: "shoot-1" of Chloe & Dev's job,
    // of Ana & Ben's photo job and of their video job are three events; the planner's own
    // "portraits" is none of them.
    const shoot = (start: string, title: string) => ({ id: 'shoot-1', title, start, end: new Date(Date.parse(start) + 3_600_000).toISOString() });
    const titled = (doc: typeof ana.doc, title: string) => doc.listEvents().find((e) => e.title === title);
    expect((await send('JOB-1077', shoot('2027-07-03T17:00:00-04:00', 'Rooftop shoot'))).status).toBe(200);
    expect((await send('JOB-1041', shoot('2027-06-12T12:00:00+01:00', 'Getting ready (photo)'))).status).toBe(200);
    expect((await send('JOB-1050', shoot('2027-06-12T12:30:00+01:00', 'Getting ready (video)'))).status).toBe(200);
    expect((await send('JOB-1041', { id: 'portraits', title: 'Lake portraits', start: '2027-06-12T17:00:00+01:00', end: '2027-06-12T17:30:00+01:00' })).status).toBe(200);
    await waitFor(() => titled(chloe.doc, 'Rooftop shoot') && titled(ana.doc, 'Getting ready (photo)') && titled(ana.doc, 'Getting ready (video)') && titled(ana.doc, 'Lake portraits'), 'each job\'s records in its wedding');
    expect(titled(ana.doc, 'Getting ready (photo)')!.id).not.toBe(titled(ana.doc, 'Getting ready (video)')!.id);
    expect(ana.doc.getEvent('portraits')).toMatchObject({ title: 'Couple portraits', start: ANA.start });
    expect(titled(chloe.doc, 'Getting ready (photo)')).toBeUndefined();
    // A change under a job reaches that job's record only.
    expect((await send('JOB-1050', shoot('2027-06-12T13:00:00+01:00', 'Getting ready (video)'))).status).toBe(200);
    await waitFor(() => titled(ana.doc, 'Getting ready (video)')?.start === '2027-06-12T13:00:00+01:00', 'the video job\'s move');
    expect(titled(ana.doc, 'Getting ready (photo)')!.start).toBe('2027-06-12T12:00:00+01:00');
    expect(titled(chloe.doc, 'Rooftop shoot')!.start).toBe('2027-07-03T17:00:00-04:00');
    // A deletion under a job removes that job's record only.
    expect((await send('JOB-1041', { id: 'shoot-1' }, { type: 'timeline.deleted' })).status).toBe(200);
    await waitFor(() => titled(ana.doc, 'Getting ready (photo)') === undefined, 'the photo job\'s deletion');
    expect([titled(ana.doc, 'Getting ready (video)')?.title, titled(chloe.doc, 'Rooftop shoot')?.title]).toEqual(['Getting ready (video)', 'Rooftop shoot']);
    // A job number and an id that would read the same joined with ":" are still two records.
    expect((await send('JOB-1041', { id: 'x:shoot', title: 'Joined A', start: '2027-06-12T18:00:00+01:00', end: '2027-06-12T18:30:00+01:00' })).status).toBe(200);
    expect((await send('JOB-1041:x', { id: 'shoot', title: 'Joined B', start: '2027-06-12T19:00:00+01:00', end: '2027-06-12T19:30:00+01:00' }, { hints: { text: 'Someone else' } })).status).toBe(200);
    await waitFor(() => titled(ana.doc, 'Joined A'), 'the first joined record');
    const waitingB = await waitFor(async () => (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${bloom.id}/unmatched`, token)).body.records.find((r) => r.externalId === '["JOB-1041:x","shoot"]'), 'the unknown job\'s record queued');
    expect(waitingB.entity).toBe('timeline');
    expect(titled(ana.doc, 'Joined B')).toBeUndefined();

    // A job no wedding holds, with what it is: it waits in the queue with its job number and hints.
    const hints = { text: 'Gia & Hal', date: '2027-09-18', venue: 'The Orangery', timeZone: 'Europe/London' };
    expect((await send('JOB-1102', { id: 'ceremony', title: 'Ceremony', start: '2027-09-18T14:00:00+01:00', end: '2027-09-18T14:45:00+01:00' }, { hints })).status).toBe(200);
    const queued = await waitFor(async () => (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${bloom.id}/unmatched`, token)).body.records.find((r) => r.externalId === '["JOB-1102","ceremony"]'), 'the new job in the unmatched queue');
    expect(queued).toMatchObject({ connectionId, entity: 'timeline', suggestedTimeZone: 'Europe/London' });
    expect(queued.record).toMatchObject({ date: '2027-09-18', venue: 'The Orangery', timeZone: 'Europe/London' });
    expect([titled(ana.doc, 'Ceremony'), titled(chloe.doc, 'Ceremony')]).toEqual([undefined, undefined]);

    // One action makes it a wedding, filled in from the hints, holding the job: its next event goes there.
    const made = await api<{ weddingId: string }>(t, `/api/unmatched/${queued.id}/create-wedding`, token, { json: { title: 'Gia & Hal' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const gia = await t.connect(made.body.weddingId, await pat.accessToken(made.body.weddingId));
    await gia.whenSynced();
    await waitFor(() => titled(gia.doc, 'Ceremony'), 'the queued ceremony in the new wedding');
    expect(gia.doc.getMeta()).toMatchObject({ title: 'Gia & Hal', date: '2027-09-18', timezone: 'Europe/London' });
    expect((await send('JOB-1102', { id: 'ceremony', title: 'Ceremony in the garden', start: '2027-09-18T14:30:00+01:00', end: '2027-09-18T15:15:00+01:00' })).status).toBe(200);
    await waitFor(() => titled(gia.doc, 'Ceremony in the garden'), 'the job\'s next event in its wedding');
    expect(gia.doc.listEvents().map((e) => e.title)).toEqual(['Ceremony in the garden']);
    expect((await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${bloom.id}/unmatched`, token)).body.records.filter((r) => r.externalId.startsWith('["JOB-1102"'))).toEqual([]);

    // What is not a job number or a hint is refused by name, and nothing is applied.
    const refusals: [unknown, unknown, string][] = [
      ['', undefined, 'reference'], [42, undefined, 'reference'], ['J'.repeat(201), undefined, 'reference'],
      ['JOB-1041', { date: 'next Saturday' }, 'hints.date'], ['JOB-1041', { timeZone: 'Mars/Olympus' }, 'hints.timeZone'], ['JOB-1041', { couple: 'Ana' }, 'hints'],
    ];
    for (const [reference, badHints, path] of refusals) {
      const res = await send(reference, { id: 'portraits', title: 'Should not land', start: ANA.start, end: new Date(Date.parse(ANA.start) + 3_600_000).toISOString() }, { hints: badHints });
      expect(res.status, JSON.stringify([reference, badHints])).toBe(400);
      const body = await res.json() as { error: { code: string; message: string } };
      expect(body.error.code).toBe('invalid_payload');
      expect(body.error.message).toContain(path);
    }
    expect(titled(ana.doc, 'Should not land')).toBeUndefined();
    await Promise.all([ana.destroy(), chloe.destroy(), gia.destroy()]);
  });
});
