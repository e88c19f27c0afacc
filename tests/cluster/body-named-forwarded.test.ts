import { describe, expect, it } from 'vitest';
import type { BindingSummary, ConnectionResult, ConnectResult } from '../../schema/index.ts';
import { seedWedding } from '../comms/helpers.ts';
import { api, STORY_WEDDINGS, studio } from '../connections/helpers.ts';
import { useTwoInstances } from '../helpers/two-instances.ts';

/**
 * Requests that name their wedding in the JSON body, made through whichever instance the balancer
 * picks: a planner creates a calendar feed, binds a connection to a wedding, connects a system from
 * a wedding. The wedding is live on instance A; the requests reach B. A vendor's feed reads the
 * wedding's vendors, so B passes it, body and all, to A (owner-forwarding.ts `BODY_WEDDING_ROUTES`)
 * instead of answering 503; binding and connecting open no document and are served by B.
 */
describe('routes that name their wedding in the body, through an instance that does not hold it', () => {
  const cluster = useTwoInstances({ PULL_INTERVAL_MS: '600000' });

  it('a calendar feed created through B is A’s wedding’s feed', async () => {
    const { a, b } = cluster();
    const planner = await a.token('planner', ['w1']);
    await seedWedding(a, planner, 'w1', { meta: { title: 'Cleo & Dev', timezone: 'Europe/London', date: '2027-07-03' }, vendors: [{ id: 'photo', name: 'Lens & Light', category: 'photographer' }] });
    const onA = await a.connect('w1', planner);
    await onA.whenSynced();
    onA.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-07-03T14:00:00.000Z', end: '2027-07-03T14:45:00.000Z', vendorIds: ['photo'] });
    await onA.whenAcknowledged();

    const created = await api<{ url: string }>(b, '/api/calendar/feeds', planner, { json: { weddingId: 'w1' } });
    expect(created.status).toBe(201);
    const file = /\/calendar\/(wsf_[A-Za-z0-9_-]+\.ics)/.exec(created.body.url)![1];
    expect(await (await b.fetch(`/calendar/${file}`)).text()).toContain('SUMMARY:Ceremony');
    // A vendor's feed: the route reads the wedding's vendors.
    const vendorFeed = await api<{ url: string }>(b, '/api/calendar/feeds', planner, { json: { weddingId: 'w1', vendorId: 'photo' } });
    expect(vendorFeed.status, JSON.stringify(vendorFeed.body)).toBe(201);
    const vendorFile = /\/calendar\/(wsf_[A-Za-z0-9_-]+\.ics)/.exec(vendorFeed.body.url)![1];
    expect(await (await b.fetch(`/calendar/${vendorFile}`)).text()).toContain('SUMMARY:Ceremony');
    // A body with no wedding, or one the route refuses, is answered as the route answers it.
    expect((await api(b, '/api/calendar/feeds', planner, { json: {} })).status).toBe(400);
    expect((await api(b, '/api/calendar/feeds', planner, { json: { weddingId: 'w9' } })).status).toBe(403);
  });

  it('a connection made and bound to a wedding through B', async () => {
    const { a, b } = cluster();
    const weddings = STORY_WEDDINGS.slice(0, 1);
    const { pat } = await studio(a, weddings);
    const workspaceId = (await a.server.people.weddingWorkspace('w-ana'))!;
    const as = await pat.accessToken('w-ana');
    const onA = await a.connect('w-ana', as);
    await onA.whenSynced();

    const connected = await api<ConnectionResult>(b, '/api/integrations/vendor/connect', as, { json: {
      workspaceId, system: 'preset', label: 'Studio HoneyBook', configuration: { preset: 'honeybook', direction: 'inbound' },
    } });
    expect(connected.status, JSON.stringify(connected.body)).toBe(201);
    const bound = await api<{ binding: BindingSummary }>(b, `/api/connections/${connected.body.connectionId}/bindings`, as, { json: { weddingId: 'w-ana', vendorId: 'photo', references: ['hb-ana'] } });
    expect(bound.status, JSON.stringify(bound.body)).toBe(201);
    expect(bound.body.binding).toMatchObject({ weddingId: 'w-ana', vendorId: 'photo' });

    // Connected from the wedding itself (a connection and its binding at once).
    const fromWedding = await api<ConnectResult>(b, '/api/integrations/vendor/connect', as, { json: { weddingId: 'w-ana', system: 'webhooks', vendorId: 'photo' } });
    expect(fromWedding.status, JSON.stringify(fromWedding.body)).toBe(201);
    expect((await api<{ integrations: { integrationId: string }[] }>(a, '/api/integrations?weddingId=w-ana', as)).body.integrations.map((i) => i.integrationId)).toContain(fromWedding.body.integrationId);
  });
});
