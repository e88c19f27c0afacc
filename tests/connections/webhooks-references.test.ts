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
    for (const [w, job] of [[ANA, 'JOB-1041'], [CHLOE, 'JOB-1077']] as const) {
      const bound = await api(t, `/api/connections/${connectionId}/bindings`, key, { json: { weddingId: w.id, references: [job] } });
      expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    }
    const ana = await t.connect(ANA.id, await pat.accessToken(ANA.id));
    const chloe = await t.connect(CHLOE.id, await pat.accessToken(CHLOE.id));
    await Promise.all([ana.whenSynced(), chloe.whenSynced()]);
    let n = 0;
    const send = (reference: unknown, data: Record<string, unknown>, more: { type?: string; hints?: unknown } = {}) =>
      sendStandardWebhook(webhookUrl, webhookSecret, { id: `evt-${++n}`, type: more.type ?? 'timeline.upserted', reference, data, ...(more.hints !== undefined ? { hints: more.hints } : {}) });

    // Chloe & Dev's job moves its portraits: theirs move, Ana & Ben's (the same id) do not.
    expect((await send('JOB-1077', { id: 'portraits', title: 'Couple portraits', start: '2027-07-03T17:00:00-04:00', end: '2027-07-03T18:00:00-04:00' })).status).toBe(200);
    await waitFor(() => chloe.doc.getEvent('portraits')?.start === '2027-07-03T17:00:00-04:00', 'the move in Chloe & Dev\'s timeline');
    // Then Ana & Ben's job renames theirs; the next change of Chloe's is still Chloe's alone (linked within its job).
    expect((await send('JOB-1041', { id: 'portraits', title: 'Portraits by the lake', start: ANA.start, end: new Date(Date.parse(ANA.start) + 3_600_000).toISOString() })).status).toBe(200);
    await waitFor(() => ana.doc.getEvent('portraits')?.title === 'Portraits by the lake', 'the rename in Ana & Ben\'s timeline');
    expect((await send('JOB-1077', { id: 'portraits', title: 'Rooftop portraits', start: '2027-07-03T17:00:00-04:00', end: '2027-07-03T18:00:00-04:00' })).status).toBe(200);
    await waitFor(() => chloe.doc.getEvent('portraits')?.title === 'Rooftop portraits', 'the second change in Chloe & Dev\'s timeline');
    expect(ana.doc.getEvent('portraits')).toMatchObject({ title: 'Portraits by the lake', start: ANA.start });
    expect(chloe.doc.getEvent('portraits')!.start).toBe('2027-07-03T17:00:00-04:00');
    // A deletion under a job removes that job's record only.
    expect((await send('JOB-1077', { id: 'portraits' }, { type: 'timeline.deleted' })).status).toBe(200);
    await waitFor(() => chloe.doc.getEvent('portraits') === undefined, 'the deletion in Chloe & Dev\'s timeline');
    expect(ana.doc.getEvent('portraits')?.title).toBe('Portraits by the lake');

    // A job no wedding holds, with what it is: it waits in the queue with its job number and hints.
    const hints = { text: 'Gia & Hal', date: '2027-09-18', venue: 'The Orangery', timeZone: 'Europe/London' };
    expect((await send('JOB-1102', { id: 'ceremony', title: 'Ceremony', start: '2027-09-18T14:00:00+01:00', end: '2027-09-18T14:45:00+01:00' }, { hints })).status).toBe(200);
    const queued = await waitFor(async () => (await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${bloom.id}/unmatched`, token)).body.records.find((r) => r.externalId === 'JOB-1102:ceremony'), 'the new job in the unmatched queue');
    expect(queued).toMatchObject({ connectionId, entity: 'timeline', suggestedTimeZone: 'Europe/London' });
    expect(queued.record).toMatchObject({ date: '2027-09-18', venue: 'The Orangery', timeZone: 'Europe/London' });
    expect([ana.doc.getEvent('ceremony'), chloe.doc.getEvent('ceremony')]).toEqual([undefined, undefined]);

    // One action makes it a wedding, filled in from the hints, holding the job: its next event goes there.
    const made = await api<{ weddingId: string }>(t, `/api/unmatched/${queued.id}/create-wedding`, token, { json: { title: 'Gia & Hal' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const gia = await t.connect(made.body.weddingId, await pat.accessToken(made.body.weddingId));
    await gia.whenSynced();
    await waitFor(() => gia.doc.getEvent('ceremony'), 'the queued ceremony in the new wedding');
    expect(gia.doc.getMeta()).toMatchObject({ title: 'Gia & Hal', date: '2027-09-18', timezone: 'Europe/London' });
    expect((await send('JOB-1102', { id: 'ceremony', title: 'Ceremony in the garden', start: '2027-09-18T14:30:00+01:00', end: '2027-09-18T15:15:00+01:00' })).status).toBe(200);
    await waitFor(() => gia.doc.getEvent('ceremony')?.title === 'Ceremony in the garden', 'the job\'s next event in its wedding');
    expect((await api<{ records: UnmatchedSummary[] }>(t, `/api/workspaces/${bloom.id}/unmatched`, token)).body.records.filter((r) => r.externalId.startsWith('JOB-1102:'))).toEqual([]);

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
    expect(ana.doc.getEvent('portraits')?.title).toBe('Portraits by the lake');
    await Promise.all([ana.destroy(), chloe.destroy(), gia.destroy()]);
  });
});
