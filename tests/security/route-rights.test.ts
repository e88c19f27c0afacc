import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../schema/index.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';
import { connectWebhooks } from '../bridge/helpers.ts';

/**
 * Walks every bearer route of the OpenAPI document as each role (a token that opens the wedding;
 * vendors bound to vendor `photo`) and with a foreign token (valid, for another wedding):
 * - a write route refuses every role without write rights there with 403 and a typed code;
 *   a role with rights over part of it only (a vendor's own systems, a couple's own feeds) is walked
 *   with a request outside that part, which it must be refused too;
 * - every route refuses a foreign token with 403 (the few routes that are not about one wedding
 *   are named below, with why).
 * Every bearer route must be classified here: a new route that is not fails the walk.
 */

type Ids = { integrationId: string; outboxId: number; feedId: string };
interface Walk {
  /** Roles that may use the route in the form sent to them. */
  allowed: Role[];
  /** The request a role sends (path parameters filled, body valid). */
  request: (role: Role, ids: Ids) => { path: string; body?: unknown };
  /** Routes not about one wedding: why a foreign token is not refused. */
  notWeddingScoped?: string;
}

const WRITERS: Role[] = ['admin', 'planner'];
const event = { id: 'ceremony', title: 'Moved', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T16:00:00+01:00' };

const WALK: Record<string, Walk> = {
  'GET /api/weddings': { allowed: [...ROLES], request: () => ({ path: '/api/weddings' }), notWeddingScoped: 'lists the weddings the token itself opens' },
  'POST /api/weddings': { allowed: WRITERS, request: () => ({ path: '/api/weddings', body: { id: 'w1', timezone: 'Europe/London' } }) },
  'POST /api/admin/weddings/{id}/snapshots': { allowed: ['admin'], request: () => ({ path: '/api/admin/weddings/w1/snapshots', body: { label: 'walk' } }) },
  'GET /api/admin/weddings/{id}/snapshots': { allowed: ['admin'], request: () => ({ path: '/api/admin/weddings/w1/snapshots' }) },
  'GET /api/admin/weddings/{id}/snapshots/{sid}': { allowed: ['admin'], request: () => ({ path: '/api/admin/weddings/w1/snapshots/snap_missing' }) },
  'POST /api/admin/weddings/{id}/snapshots/{sid}/restore/preview': { allowed: ['admin'], request: () => ({ path: '/api/admin/weddings/w1/snapshots/snap_missing/restore/preview', body: {} }) },
  'POST /api/admin/weddings/{id}/snapshots/{sid}/restore': { allowed: ['admin'], request: () => ({ path: '/api/admin/weddings/w1/snapshots/snap_missing/restore', body: {} }) },
  'GET /api/admin/weddings/{id}/export': { allowed: ['admin'], request: () => ({ path: '/api/admin/weddings/w1/export' }) },
  // A vendor connects only its own systems: the walk asks for another vendor's.
  'POST /api/integrations/vendor/connect': { allowed: WRITERS, request: (role) => ({ path: '/api/integrations/vendor/connect', body: { weddingId: 'w1', system: 'webhooks', ...(role === 'vendor' ? { vendorId: 'florist' } : {}) } }) },
  // Starting an OAuth connect flow (docs/oauth.md): roles that connect nothing are refused before the provider is asked.
  'POST /api/connections/oauth/{provider}/start': { allowed: [...WRITERS, 'vendor'], request: () => ({ path: '/api/connections/oauth/google/start', body: { system: 'google-calendar', weddingId: 'w1' } }) },
  'GET /api/connections/oauth/{provider}/start': { allowed: [...WRITERS, 'vendor'], request: () => ({ path: '/api/connections/oauth/google/start?system=google-calendar&weddingId=w1' }) },
  // A workspace's connections and unmatched queue: answered 404 to tokens that do not act for the workspace (none of the walk's do).
  'GET /api/workspaces/{workspaceId}/connections': { allowed: [...ROLES], request: () => ({ path: '/api/workspaces/wks_missing/connections' }), notWeddingScoped: 'a workspace’s connections: 404 to tokens that do not act for it' },
  'GET /api/workspaces/{workspaceId}/unmatched': { allowed: [...ROLES], request: () => ({ path: '/api/workspaces/wks_missing/unmatched' }), notWeddingScoped: 'a workspace’s queue: 404 to tokens that do not act for it' },
  'GET /api/connections/{id}': { allowed: [...ROLES], request: () => ({ path: '/api/connections/con_missing' }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'GET /api/connections/{id}/audit': { allowed: [...ROLES], request: () => ({ path: '/api/connections/con_missing/audit' }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'PATCH /api/connections/{id}': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/connections/con_missing', body: { label: 'x' } }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'DELETE /api/connections/{id}': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/connections/con_missing' }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'POST /api/connections/{id}/rotate-url-token': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/connections/con_missing/rotate-url-token' }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'POST /api/connections/{id}/rotate-webhook-secret': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/connections/con_missing/rotate-webhook-secret' }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'POST /api/connections/{id}/bindings': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/connections/con_missing/bindings', body: { weddingId: 'w1' } }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'DELETE /api/connections/{id}/bindings/{weddingId}': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/connections/con_missing/bindings/w1' }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'PUT /api/connections/{id}/bindings/{weddingId}/vendor': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/connections/con_missing/bindings/w1/vendor', body: { vendorId: 'photo' } }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'POST /api/unmatched/{id}/assign': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/unmatched/unm_missing/assign', body: { weddingIds: ['w1'] } }), notWeddingScoped: 'a workspace’s queue: 404 to tokens that do not act for it' },
  'POST /api/unmatched/{id}/create-wedding': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/unmatched/unm_missing/create-wedding', body: {} }), notWeddingScoped: 'a workspace’s queue: 404 to tokens that do not act for it' },
  'POST /api/unmatched/{id}/ignore': { allowed: ROLES.filter((r) => r !== 'viewer'), request: () => ({ path: '/api/unmatched/unm_missing/ignore' }), notWeddingScoped: 'a workspace’s queue: 404 to tokens that do not act for it' },
  // The planner's integration: read by those who read the wedding's integrations; an audit (it repairs) run by who manages it.
  // A CSV import reads through a workspace's preset connection: couples and viewers import nothing (403 before any lookup).
  'POST /api/integrations/import': { allowed: ['admin', 'planner', 'vendor'], request: () => ({ path: '/api/integrations/import', body: { connectionId: 'con_missing', csv: 'Project ID\n1', mode: 'preview' } }), notWeddingScoped: 'a workspace’s connection: 404 to tokens that do not act for it' },
  'GET /api/integrations/{id}/consistency': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: (_role, ids) => ({ path: `/api/integrations/${ids.integrationId}/consistency` }) },
  'POST /api/integrations/{id}/consistency': { allowed: WRITERS, request: (_role, ids) => ({ path: `/api/integrations/${ids.integrationId}/consistency` }) },
  // The catalogue of systems (adapters/catalog.ts): the same for everyone signed in, about no wedding.
  'GET /api/integrations/catalog': { allowed: [...ROLES], request: () => ({ path: '/api/integrations/catalog' }), notWeddingScoped: 'the same list of systems for every signed-in person' },
  'GET /api/integrations': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: () => ({ path: '/api/integrations?weddingId=w1' }) },
  // The planner's integration: not the vendor's to remove. Writers are sent a missing id (the walk needs the integration).
  'DELETE /api/integrations/{id}': { allowed: WRITERS, request: (role, ids) => ({ path: `/api/integrations/${WRITERS.includes(role) ? 'int_missing' : ids.integrationId}` }) },
  // Changing the planner's integration: not the vendor's either.
  'PATCH /api/integrations/{id}': { allowed: WRITERS, request: (role, ids) => ({ path: `/api/integrations/${WRITERS.includes(role) ? 'int_missing' : ids.integrationId}`, body: { configuration: {} } }) },
  // Pulls run with each integration's own rights; a vendor syncs its own integrations only (none here).
  'POST /api/integrations/sync/{weddingId}': { allowed: [...WRITERS, 'vendor'], request: () => ({ path: '/api/integrations/sync/w1', body: { syncType: 'incremental' } }) },
  'GET /api/integrations/status/{weddingId}': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: () => ({ path: '/api/integrations/status/w1' }) },
  // A vendor may push the timeline to its own systems, not write it: the walk writes.
  'POST /api/integrations/wedding/{weddingId}/timeline-sync': { allowed: WRITERS, request: () => ({ path: '/api/integrations/wedding/w1/timeline-sync', body: { timeline: [event], waitMs: 0 } }) },
  // Both values of any field (payments, contacts): the couple's and vendors' views never hold conflicts (docs/audiences.md).
  'GET /api/integrations/wedding/{weddingId}/conflicts': { allowed: WRITERS, request: () => ({ path: '/api/integrations/wedding/w1/conflicts' }) },
  'POST /api/integrations/wedding/{weddingId}/conflicts/{id}/resolve': { allowed: WRITERS, request: () => ({ path: '/api/integrations/wedding/w1/conflicts/cf_missing/resolve', body: { winner: 'local' } }) },
  'GET /api/integrations/wedding/{weddingId}/audit': { allowed: WRITERS, request: () => ({ path: '/api/integrations/wedding/w1/audit' }) },
  'GET /api/integrations/wedding/{weddingId}/outbox': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: () => ({ path: '/api/integrations/wedding/w1/outbox' }) },
  // A dead push of the planner's integration.
  // Outbox ids count up: a foreign token learns nothing of an entry, not even that it exists (404 as for none; workspace-isolation.test.ts).
  'GET /api/integrations/outbox/{id}': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: (_role, ids) => ({ path: `/api/integrations/outbox/${ids.outboxId}` }), notWeddingScoped: 'an entry of another wedding: 404, as for one that does not exist' },
  'POST /api/integrations/outbox/{id}/replay': { allowed: WRITERS, request: (_role, ids) => ({ path: `/api/integrations/outbox/${ids.outboxId}/replay` }), notWeddingScoped: 'an entry of another wedding: 404, as for one that does not exist' },
  // Couples make the wedding's feed and vendors their own: the walk asks for another vendor's.
  'POST /api/calendar/feeds': { allowed: WRITERS, request: () => ({ path: '/api/calendar/feeds', body: { weddingId: 'w1', vendorId: 'florist' } }) },
  'GET /api/calendar/feeds': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: () => ({ path: '/api/calendar/feeds?weddingId=w1' }) },
  // The planner's wedding feed: couples revoke only feeds they made, vendors only their own.
  'DELETE /api/calendar/feeds/{feedId}': { allowed: WRITERS, request: (_role, ids) => ({ path: `/api/calendar/feeds/${ids.feedId}` }) },
  'GET /api/integrations/calendar/conflicts': { allowed: ['admin', 'planner', 'couple'], request: () => ({ path: '/api/integrations/calendar/conflicts?vendorId=florist&weddingId=w1' }) },
  'GET /api/integrations/calendar/availability': {
    allowed: ['admin', 'planner', 'couple'], request: () => ({ path: '/api/integrations/calendar/availability?vendorId=florist' }),
    notWeddingScoped: 'a vendor’s busy times across weddings; events of weddings the token does not open are anonymous',
  },
  'POST /api/weddings/{weddingId}/messages': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/messages', body: { recipientIds: ['photo'], body: 'Hello' } }) },
  // Everyone who reads the API gets their own inbox (planners and admins: every message); viewers none.
  'GET /api/weddings/{weddingId}/messages': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: () => ({ path: '/api/weddings/w1/messages' }) },
  'GET /api/weddings/{weddingId}/messages/channels': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/messages/channels' }) },
  'GET /api/weddings/{weddingId}/messages/{messageId}': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: () => ({ path: '/api/weddings/w1/messages/m_missing' }) },
  // Vendors acknowledge for themselves: the walk acknowledges for another vendor.
  // A reply is the answer of a message's recipient: vendors and the couple; planners write a new message.
  'POST /api/weddings/{weddingId}/messages/{messageId}/reply': { allowed: ['couple', 'vendor'], request: () => ({ path: '/api/weddings/w1/messages/m_missing/reply', body: { body: 'Thanks' } }) },
  'POST /api/weddings/{weddingId}/messages/{messageId}/ack': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/messages/m_missing/ack', body: { recipientId: 'florist' } }) },
  'POST /api/weddings/{weddingId}/emergency': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/emergency', body: { kind: 'weather', message: 'Storm', severity: 'high' } }) },
  'GET /api/weddings/{weddingId}/notifications/settings': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/notifications/settings' }) },
  'PUT /api/weddings/{weddingId}/notifications/settings': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/notifications/settings', body: { mode: 'ask' } }) },
  'GET /api/weddings/{weddingId}/notifications/pending': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/notifications/pending' }) },
  'POST /api/weddings/{weddingId}/notifications/pending/{pendingId}/send': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/notifications/pending/np_missing/send' }) },
  'POST /api/weddings/{weddingId}/notifications/pending/{pendingId}/discard': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/notifications/pending/np_missing/discard' }) },
  'GET /api/weddings/{weddingId}/budget': { allowed: ['admin', 'planner', 'couple', 'vendor'], request: () => ({ path: '/api/weddings/w1/budget' }) },
  'POST /api/weddings/{weddingId}/payments/plan': {
    allowed: WRITERS,
    request: () => ({ path: '/api/weddings/w1/payments/plan', body: { vendorId: 'photo', currency: 'GBP', total: 100000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-01-01' }] } }),
  },
  // Old values of every field, other vendors' contact details and payments among them: planners and admins only.
  'GET /api/weddings/{weddingId}/activity': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/activity?entity=timeline:ceremony&field=start' }) },
  'GET /api/weddings/{weddingId}/activity/latest': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/activity/latest?root=timeline' }) },
  // Names of the wedding's own people (comment authors), to every role that reads its schedule.
  'GET /api/weddings/{weddingId}/people': { allowed: [...ROLES], request: () => ({ path: '/api/weddings/w1/people?ids=per_someone1' }) },
  // Personal data of a wedding's entries (docs/privacy.md): planners and admins of that wedding. Erasure is walked
  // on a contact that does not exist (404), so the walk's own data stays.
  'GET /api/people/{id}/export': { allowed: WRITERS, request: () => ({ path: '/api/people/vendor:w1:photo/export' }) },
  'POST /api/people/{id}/erase': { allowed: WRITERS, request: () => ({ path: '/api/people/contact:w1:guest-missing/erase' }) },
  // Printed from the token's own audience; a vendor prints its own part (another vendor's: tests/schedule/my-schedule-routes.test.ts).
  'GET /api/weddings/{weddingId}/run-of-show.pdf': { allowed: [...ROLES], request: (role) => ({ path: `/api/weddings/w1/run-of-show.pdf${role === 'vendor' ? '?vendorId=photo' : ''}` }) },
  // Vendors are edited by planners only (a vendor writes its own record's fields through the document, never a merge or removal).
  'GET /api/weddings/{weddingId}/vendors': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/vendors' }) },
  'POST /api/weddings/{weddingId}/vendors': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/vendors', body: { id: 'photo', name: 'Taken id', category: 'dj' } }) },
  'POST /api/weddings/{weddingId}/vendors/merge': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/vendors/merge', body: { keepId: 'photo', removeId: 'ven_missing' } }) },
  'DELETE /api/weddings/{weddingId}/vendors/{vendorId}': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/vendors/ven_missing' }) },
  'GET /api/weddings/{weddingId}/contacts': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/contacts' }) },
  'POST /api/weddings/{weddingId}/contacts': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/contacts', body: { name: 'Jo', role: 'other', vendorId: 'photo' } }) },
  'PATCH /api/weddings/{weddingId}/contacts/{contactId}': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/contacts/con_missing', body: { phone: '' } }) },
  'DELETE /api/weddings/{weddingId}/contacts/{contactId}': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/contacts/con_missing' }) },
  'POST /api/weddings/{weddingId}/payments/{paymentId}/transactions': { allowed: WRITERS, request: () => ({ path: '/api/weddings/w1/payments/pay_missing/transactions', body: { type: 'payment', amount: 100, currency: 'GBP' } }) },
};

type OpenApi = { paths: Record<string, Record<string, { security: Array<Record<string, unknown>> }>> };

async function fixtures(t: TestServer): Promise<Ids> {
  const planner = await t.token('planner', ['w1']);
  const seed = await t.connect('w1', planner);
  await seed.whenSynced();
  seed.doc.transact(() => {
    seed.doc.setMeta({ title: 'Walk', timezone: 'Europe/London' });
    seed.doc.upsertVendor({ id: 'photo', name: 'Lens', category: 'photographer' });
    seed.doc.upsertVendor({ id: 'florist', name: 'Petals', category: 'florist' });
    seed.doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', vendorIds: ['photo', 'florist'] });
  });
  await seed.whenAcknowledged();
  const { integrationId } = await connectWebhooks(t, planner, 'w1');
  const outboxId = Number(await serverSql(t.server).value(`INSERT INTO outbox (integration_id, wedding_id, kind, entity, entity_id, payload, content_hash, idempotency_key, status, attempts, next_attempt_at, created_at)
    VALUES (?, 'w1', 'entity', 'timeline', 'ceremony', '{}', 'h', 'walk-dead', 'dead', 5, 0, 0) RETURNING id`, integrationId));
  const feed = await t.fetch('/api/calendar/feeds', { method: 'POST', token: planner, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId: 'w1' }) });
  expect(feed.status).toBe(201);
  const { feedId } = (await feed.json()) as { feedId: string };
  return { integrationId, outboxId, feedId };
}

async function call(t: TestServer, method: string, token: string, req: { path: string; body?: unknown }) {
  const res = await t.fetch(req.path, {
    method, token, ...(req.body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body) } : {}),
  });
  const text = await res.text();
  let code: string | undefined;
  try { code = (JSON.parse(text) as { error?: { code?: string } }).error?.code; } catch { code = undefined; }
  return { status: res.status, code };
}

describe('route rights: every route in the OpenAPI document as each role and with a foreign token', () => {
  it('write routes refuse roles without write rights (403, typed) and every wedding route refuses a foreign token', async () => {
    const t = await startTestServer();
    const ids = await fixtures(t);
    const doc = (await (await t.fetch('/api/openapi.json')).json()) as OpenApi;
    const bearer = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).filter(([, op]) => op.security.some((s) => 'bearer' in s)).map(([method]) => `${method.toUpperCase()} ${path}`));
    expect(bearer.filter((r) => !WALK[r])).toEqual([]);

    const tokens = Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await t.token(role, ['w1'], role === 'vendor' ? { vendorId: 'photo' } : {})] as const))) as Record<Role, string>;
    // Valid tokens of every role for another wedding (the vendor bound to the same vendor id there).
    const foreign = await Promise.all(ROLES.map((role) => t.token(role, ['w2'], role === 'vendor' ? { vendorId: 'photo' } : {})));
    const wrong: string[] = [];
    for (const route of bearer) {
      const walk = WALK[route]!;
      const method = route.split(' ')[0]!;
      const write = method !== 'GET';
      for (const role of ROLES) {
        const answer = await call(t, method, tokens[role], walk.request(role, ids));
        const refused = answer.status === 403 && (answer.code === 'role_forbidden' || answer.code === 'wedding_forbidden');
        // A viewer writes nothing and reads the shared schedule only (over the collaboration
        // socket): the working-data APIs are closed to it (API_READER_ROLES, server/auth/auth-error.ts).
        if (walk.allowed.includes(role)) {
          if (answer.status === 401 || answer.status === 403) wrong.push(`${route} as ${role}: ${answer.status} ${answer.code} (should be let through)`);
        } else if (!refused) {
          wrong.push(`${route} as ${role}: ${answer.status} ${answer.code} (should be 403, ${write ? 'no write rights' : 'not readable by this role'})`);
        }
      }
      if (walk.notWeddingScoped) continue;
      for (const token of foreign) {
        // The form sent to a role without rights: real ids of this wedding.
        const answer = await call(t, method, token, walk.request('couple', ids));
        if (answer.status !== 403) wrong.push(`${route} with a foreign token: ${answer.status} ${answer.code} (should be 403)`);
      }
    }
    expect(wrong).toEqual([]);
    // An outbox entry of another wedding: 404 as for none, neither its existence nor its wedding told.
    for (const token of foreign) {
      for (const [method, path] of [['GET', `/api/integrations/outbox/${ids.outboxId}`], ['POST', `/api/integrations/outbox/${ids.outboxId}/replay`]] as const) {
        const res = await t.fetch(path, { method, token });
        const text = await res.text();
        // (A viewer's write is refused for its role before any lookup: 403 role_forbidden says nothing of the entry.)
        const code = JSON.parse(text).error.code;
        expect(res.status === 404 ? code : `${res.status} ${code}`, `${method} ${path}`).toBe(res.status === 403 && code === 'role_forbidden' ? '403 role_forbidden' : 'outbox_not_found');
        expect(text).not.toContain('w1');
      }
    }
  });
});
