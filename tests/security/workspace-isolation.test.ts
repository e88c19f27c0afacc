import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { WedSyncClientError } from '../../client/sdk/node.ts';
import { WeddingDoc } from '../../schema/index.ts';
import { connectWebhooks } from '../bridge/helpers.ts';
import { signedIn, type Browser } from '../helpers/people.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { serverSql } from '../helpers/test-backend.ts';

/**
 * "A person in workspace A can never reach workspace B's weddings, through any route" (issue 11).
 * People of two planning studios (and a photographer working for studio A) sign in; A's people mint
 * their tokens through POST /api/auth/token, as the app does. Then every bearer route of the OpenAPI
 * document is called with B's ids using each of A's tokens, every session route with B's ids using
 * A's session, and A's tokens try B's wedding over the WebSocket. Nothing of B's may be read or changed.
 * Every bearer and session route must be listed here: a new route that is not fails the walk.
 */

interface BIds { weddingId: string; workspaceId: string; integrationId: string; outboxId: number; feedId: string; invitationId: string; participantId: string; ownerId: string; sessionId: string; apiKeyId: string }
type Request = { path: string; body?: unknown };
interface Walk {
  request: (b: BIds) => Request;
  /** Routes not about one wedding or workspace: what they answer A must not mention B's wedding or workspace. */
  notScoped?: string;
  /** Routes addressed by an id of B's (integration, outbox entry, feed): "not found" is as good as "forbidden". */
  byForeignId?: true;
}

const event = { id: 'ceremony', title: 'Moved', start: '2027-06-12T15:00:00+01:00', end: '2027-06-12T16:00:00+01:00' };

const BEARER: Record<string, Walk> = {
  'GET /api/weddings': { request: () => ({ path: '/api/weddings' }), notScoped: 'the weddings the token opens' },
  'POST /api/weddings': { request: (b) => ({ path: '/api/weddings', body: { id: b.weddingId, timezone: 'Europe/London', title: 'Taken over' } }) },
  'POST /api/admin/weddings/{id}/snapshots': { request: (b) => ({ path: `/api/admin/weddings/${b.weddingId}/snapshots`, body: { label: 'x' } }) },
  'GET /api/admin/weddings/{id}/snapshots': { request: (b) => ({ path: `/api/admin/weddings/${b.weddingId}/snapshots` }) },
  'GET /api/admin/weddings/{id}/snapshots/{sid}': { request: (b) => ({ path: `/api/admin/weddings/${b.weddingId}/snapshots/snap_missing` }) },
  'POST /api/admin/weddings/{id}/snapshots/{sid}/restore/preview': { request: (b) => ({ path: `/api/admin/weddings/${b.weddingId}/snapshots/snap_missing/restore/preview`, body: {} }) },
  'POST /api/admin/weddings/{id}/snapshots/{sid}/restore': { request: (b) => ({ path: `/api/admin/weddings/${b.weddingId}/snapshots/snap_missing/restore`, body: {} }) },
  'GET /api/admin/weddings/{id}/export': { request: (b) => ({ path: `/api/admin/weddings/${b.weddingId}/export` }) },
  'POST /api/integrations/vendor/connect': { request: (b) => ({ path: '/api/integrations/vendor/connect', body: { weddingId: b.weddingId, system: 'webhooks', vendorId: 'photo' } }) },
  // Connections (issue 12): B's integration is a connection under the same id; B's workspace has a queue.
  'GET /api/workspaces/{workspaceId}/connections': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/connections` }), byForeignId: true },
  'GET /api/workspaces/{workspaceId}/unmatched': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/unmatched` }), byForeignId: true },
  'GET /api/connections/{id}': { request: (b) => ({ path: `/api/connections/${b.integrationId}` }), byForeignId: true },
  'GET /api/connections/{id}/audit': { request: (b) => ({ path: `/api/connections/${b.integrationId}/audit` }), byForeignId: true },
  'PATCH /api/connections/{id}': { request: (b) => ({ path: `/api/connections/${b.integrationId}`, body: { label: 'taken over' } }), byForeignId: true },
  'DELETE /api/connections/{id}': { request: (b) => ({ path: `/api/connections/${b.integrationId}` }), byForeignId: true },
  // A CSV import into B's workspace (its preset connection found by workspace): refused before any lookup.
  'POST /api/integrations/import': { request: (b) => ({ path: '/api/integrations/import', body: { workspaceId: b.workspaceId, preset: 'honeybook', csv: 'Project ID,Project Name\nhb-1,Taken over\n', mode: 'apply' } }) },
  'POST /api/connections/{id}/rotate-url-token': { request: (b) => ({ path: `/api/connections/${b.integrationId}/rotate-url-token` }), byForeignId: true },
  'POST /api/connections/{id}/rotate-webhook-secret': { request: (b) => ({ path: `/api/connections/${b.integrationId}/rotate-webhook-secret` }), byForeignId: true },
  'POST /api/connections/{id}/bindings': { request: (b) => ({ path: `/api/connections/${b.integrationId}/bindings`, body: { weddingId: b.weddingId } }), byForeignId: true },
  'DELETE /api/connections/{id}/bindings/{weddingId}': { request: (b) => ({ path: `/api/connections/${b.integrationId}/bindings/${b.weddingId}` }), byForeignId: true },
  'PUT /api/connections/{id}/bindings/{weddingId}/vendor': { request: (b) => ({ path: `/api/connections/${b.integrationId}/bindings/${b.weddingId}/vendor`, body: { vendorId: 'photo' } }), byForeignId: true },
  'POST /api/unmatched/{id}/assign': { request: (b) => ({ path: '/api/unmatched/unm_missing/assign', body: { weddingIds: [b.weddingId] } }), byForeignId: true },
  'POST /api/unmatched/{id}/create-wedding': { request: () => ({ path: '/api/unmatched/unm_missing/create-wedding', body: {} }), byForeignId: true },
  'POST /api/unmatched/{id}/ignore': { request: () => ({ path: '/api/unmatched/unm_missing/ignore' }), byForeignId: true },
  'GET /api/integrations/{id}/consistency': { request: (b) => ({ path: `/api/integrations/${b.integrationId}/consistency` }), byForeignId: true },
  'POST /api/integrations/{id}/consistency': { request: (b) => ({ path: `/api/integrations/${b.integrationId}/consistency` }), byForeignId: true },
  'POST /api/connections/oauth/{provider}/start': { request: (b) => ({ path: '/api/connections/oauth/google/start', body: { weddingId: b.weddingId, system: 'google-calendar', vendorId: 'photo' } }) },
  'GET /api/connections/oauth/{provider}/start': { request: (b) => ({ path: `/api/connections/oauth/microsoft/start?system=outlook&weddingId=${b.weddingId}` }) },
  'GET /api/integrations': { request: (b) => ({ path: `/api/integrations?weddingId=${b.weddingId}` }) },
  'DELETE /api/integrations/{id}': { request: (b) => ({ path: `/api/integrations/${b.integrationId}` }), byForeignId: true },
  'PATCH /api/integrations/{id}': { request: (b) => ({ path: `/api/integrations/${b.integrationId}`, body: { configuration: {} } }), byForeignId: true },
  'POST /api/integrations/sync/{weddingId}': { request: (b) => ({ path: `/api/integrations/sync/${b.weddingId}`, body: { syncType: 'incremental' } }) },
  'GET /api/integrations/status/{weddingId}': { request: (b) => ({ path: `/api/integrations/status/${b.weddingId}` }) },
  'POST /api/integrations/wedding/{weddingId}/timeline-sync': { request: (b) => ({ path: `/api/integrations/wedding/${b.weddingId}/timeline-sync`, body: { timeline: [event], waitMs: 0 } }) },
  'GET /api/integrations/wedding/{weddingId}/conflicts': { request: (b) => ({ path: `/api/integrations/wedding/${b.weddingId}/conflicts` }) },
  'POST /api/integrations/wedding/{weddingId}/conflicts/{id}/resolve': { request: (b) => ({ path: `/api/integrations/wedding/${b.weddingId}/conflicts/cf_missing/resolve`, body: { winner: 'local' } }) },
  'GET /api/integrations/wedding/{weddingId}/audit': { request: (b) => ({ path: `/api/integrations/wedding/${b.weddingId}/audit` }) },
  'GET /api/integrations/wedding/{weddingId}/outbox': { request: (b) => ({ path: `/api/integrations/wedding/${b.weddingId}/outbox` }) },
  'GET /api/integrations/outbox/{id}': { request: (b) => ({ path: `/api/integrations/outbox/${b.outboxId}` }), byForeignId: true },
  'POST /api/integrations/outbox/{id}/replay': { request: (b) => ({ path: `/api/integrations/outbox/${b.outboxId}/replay` }), byForeignId: true },
  'POST /api/calendar/feeds': { request: (b) => ({ path: '/api/calendar/feeds', body: { weddingId: b.weddingId } }) },
  'GET /api/calendar/feeds': { request: (b) => ({ path: `/api/calendar/feeds?weddingId=${b.weddingId}` }) },
  'DELETE /api/calendar/feeds/{feedId}': { request: (b) => ({ path: `/api/calendar/feeds/${b.feedId}` }), byForeignId: true },
  'GET /api/integrations/calendar/conflicts': { request: (b) => ({ path: `/api/integrations/calendar/conflicts?vendorId=photo&weddingId=${b.weddingId}` }) },
  'GET /api/integrations/catalog': { request: () => ({ path: '/api/integrations/catalog' }), notScoped: 'the same list of systems for every signed-in person' },
  'GET /api/integrations/calendar/availability': { request: () => ({ path: '/api/integrations/calendar/availability?vendorId=photo' }), notScoped: 'busy times across weddings; events of weddings the token does not open are anonymous' },
  'POST /api/weddings/{weddingId}/messages': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/messages`, body: { recipientIds: ['photo'], body: 'Hello' } }) },
  'GET /api/weddings/{weddingId}/messages': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/messages` }) },
  'GET /api/weddings/{weddingId}/messages/channels': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/messages/channels` }) },
  'GET /api/weddings/{weddingId}/messages/{messageId}': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/messages/m_missing` }) },
  'POST /api/weddings/{weddingId}/messages/{messageId}/ack': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/messages/m_missing/ack`, body: { recipientId: 'photo' } }) },
  'POST /api/weddings/{weddingId}/messages/{messageId}/reply': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/messages/m_missing/reply`, body: { body: 'Thanks' } }) },
  'POST /api/weddings/{weddingId}/emergency': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/emergency`, body: { kind: 'weather', message: 'Storm', severity: 'high' } }) },
  'GET /api/weddings/{weddingId}/notifications/settings': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/notifications/settings` }) },
  'PUT /api/weddings/{weddingId}/notifications/settings': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/notifications/settings`, body: { mode: 'ask' } }) },
  'GET /api/weddings/{weddingId}/notifications/pending': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/notifications/pending` }) },
  'POST /api/weddings/{weddingId}/notifications/pending/{pendingId}/send': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/notifications/pending/np_missing/send` }) },
  'POST /api/weddings/{weddingId}/notifications/pending/{pendingId}/discard': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/notifications/pending/np_missing/discard` }) },
  'GET /api/weddings/{weddingId}/budget': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/budget` }) },
  'GET /api/weddings/{weddingId}/activity': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/activity` }) },
  'GET /api/weddings/{weddingId}/activity/latest': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/activity/latest?root=timeline` }) },
  'GET /api/weddings/{weddingId}/people': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/people?ids=per_someone1` }) },
  'POST /api/weddings/{weddingId}/payments/plan': {
    request: (b) => ({ path: `/api/weddings/${b.weddingId}/payments/plan`, body: { vendorId: 'photo', currency: 'GBP', total: 100000, milestones: [{ milestone: 'deposit', weight: 1, due: '2027-01-01' }] } }),
  },
  'GET /api/people/{id}/export': { request: (b) => ({ path: `/api/people/vendor:${b.weddingId}:photo/export` }) },
  'POST /api/people/{id}/erase': { request: (b) => ({ path: `/api/people/vendor:${b.weddingId}:photo/erase` }) },
  'GET /api/weddings/{weddingId}/run-of-show.pdf': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/run-of-show.pdf` }) },
  'GET /api/weddings/{weddingId}/vendors': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/vendors` }) },
  'POST /api/weddings/{weddingId}/vendors': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/vendors`, body: { name: 'Planted', category: 'dj' } }) },
  'POST /api/weddings/{weddingId}/vendors/merge': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/vendors/merge`, body: { keepId: 'photo', removeId: 'florist' } }) },
  'DELETE /api/weddings/{weddingId}/vendors/{vendorId}': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/vendors/photo` }) },
  'GET /api/weddings/{weddingId}/contacts': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/contacts` }) },
  'POST /api/weddings/{weddingId}/contacts': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/contacts`, body: { id: 'c-probe', name: 'Probe', role: 'other' } }) },
  'PATCH /api/weddings/{weddingId}/contacts/{contactId}': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/contacts/c-probe`, body: { name: 'Probe 2' } }) },
  'DELETE /api/weddings/{weddingId}/contacts/{contactId}': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/contacts/c-probe` }) },
  'POST /api/weddings/{weddingId}/payments/{paymentId}/transactions': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/payments/pay_missing/transactions`, body: { type: 'payment', amount: 100, currency: 'GBP' } }) },
};

const SESSION: Record<string, Walk> = {
  'POST /api/connections/oauth/{provider}/start': { request: (b) => ({ path: '/api/connections/oauth/google/start', body: { weddingId: b.weddingId, system: 'google-calendar' } }) },
  'GET /api/connections/oauth/{provider}/start': { request: (b) => ({ path: `/api/connections/oauth/microsoft/start?system=outlook&weddingId=${b.weddingId}` }) },
  'GET /api/integrations/catalog': { request: () => ({ path: '/api/integrations/catalog' }), notScoped: 'the same list of systems for every signed-in person' },
  'GET /api/me': { request: () => ({ path: '/api/me' }), notScoped: "the caller's own person, workspaces and weddings" },
  'POST /api/auth/token': { request: (b) => ({ path: '/api/auth/token', body: { weddingId: b.weddingId } }) },
  'POST /api/weddings': { request: (b) => ({ path: '/api/weddings', body: { workspaceId: b.workspaceId, title: 'Planted', timezone: 'Europe/London' } }) },
  'POST /api/workspaces': { request: () => ({ path: '/api/workspaces', body: { name: 'Another', kind: 'planner' } }), notScoped: 'creates a new workspace of the caller' },
  'GET /api/workspaces': { request: () => ({ path: '/api/workspaces' }), notScoped: "the caller's workspaces" },
  'GET /api/workspaces/{id}/weddings': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/weddings` }) },
  'GET /api/workspaces/{id}/members': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/members` }) },
  'POST /api/workspaces/{id}/members': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/members`, body: { email: 'intruder@bloom.example', role: 'owner' } }) },
  'DELETE /api/workspaces/{id}/members/{personId}': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/members/${b.ownerId}` }) },
  'POST /api/weddings/{id}/invitations': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/invitations`, body: { role: 'planner' } }) },
  'GET /api/weddings/{id}/invitations': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/invitations` }) },
  'DELETE /api/weddings/{id}/invitations/{invitationId}': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/invitations/${b.invitationId}` }) },
  'GET /api/weddings/{id}/participants': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/participants` }) },
  'DELETE /api/weddings/{id}/participants/{participantId}': { request: (b) => ({ path: `/api/weddings/${b.weddingId}/participants/${b.participantId}` }) },
  'GET /api/me/schedule': { request: () => ({ path: '/api/me/schedule' }), notScoped: "the caller's own schedule, from the weddings they work on as a vendor" },
  'PUT /api/me/schedule/{weddingId}/events/{eventId}/crew': { request: (b) => ({ path: `/api/me/schedule/${b.weddingId}/events/ceremony/crew`, body: { callTime: '' } }) },
  'PUT /api/me/schedule/{weddingId}/vendor': { request: (b) => ({ path: `/api/me/schedule/${b.weddingId}/vendor`, body: { phone: '+44 20 7946 0001' } }) },
  'PUT /api/me/schedule/{weddingId}/workspace': { request: (b) => ({ path: `/api/me/schedule/${b.weddingId}/workspace`, body: { workspaceId: b.workspaceId } }) },
  'PATCH /api/me': { request: () => ({ path: '/api/me', body: { name: 'Renamed' } }), notScoped: 'renames the caller' },
  'POST /api/me/email': { request: () => ({ path: '/api/me/email', body: { email: 'bea@ivory.example' } }), notScoped: "adds an address to the caller's own account (which has one: 409); never says whose B's address is" },
  'GET /api/auth/sessions': { request: () => ({ path: '/api/auth/sessions' }), notScoped: "the caller's own sessions" },
  // B's session, addressed by its id: answered like a missing one.
  'DELETE /api/auth/sessions/{id}': { request: (b) => ({ path: `/api/auth/sessions/${b.sessionId}` }), byForeignId: true },
  'POST /api/auth/sessions/revoke-all': { request: () => ({ path: '/api/auth/sessions/revoke-all', body: { keepCurrent: true } }), notScoped: "ends the caller's other sessions" },
  'POST /api/workspaces/{id}/api-keys': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/api-keys`, body: { name: 'planted', role: 'planner', weddings: [b.weddingId] } }) },
  'GET /api/workspaces/{id}/api-keys': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/api-keys` }) },
  'DELETE /api/workspaces/{id}/api-keys/{keyId}': { request: (b) => ({ path: `/api/workspaces/${b.workspaceId}/api-keys/${b.apiKeyId}` }) },
  // Walked last (see the loop): it ends the caller's own session.
  'POST /api/auth/sign-out': { request: () => ({ path: '/api/auth/sign-out' }), notScoped: "ends the caller's own session" },
  'POST /api/auth/passkeys/register/options': { request: () => ({ path: '/api/auth/passkeys/register/options', body: {} }), notScoped: "registers a passkey for the caller's own person" },
  'POST /api/auth/passkeys/register': { request: () => ({ path: '/api/auth/passkeys/register', body: {} }), notScoped: "registers a passkey for the caller's own person" },
  'GET /api/auth/passkeys': { request: () => ({ path: '/api/auth/passkeys' }), notScoped: "the caller's own passkeys" },
  // Another person's passkey is answered like a missing one (tests/people/passkeys.test.ts removes a real one of someone else).
  // B's owner's account (only she may export or erase it), and B's vendor entry (only B's planners).
  'GET /api/people/{id}/export': { request: (b) => ({ path: `/api/people/${b.ownerId}/export` }) },
  'POST /api/people/{id}/erase': { request: (b) => ({ path: `/api/people/vendor:${b.weddingId}:photo/erase` }) },
  'DELETE /api/auth/passkeys/{id}': { request: () => ({ path: '/api/auth/passkeys/pk_of_someone_else' }), byForeignId: true },
};

type OpenApi = { paths: Record<string, Record<string, { security: Array<Record<string, unknown>> }>> };

/** Studio B: a wedding with vendors and an event, a webhooks integration with a dead push, a feed, an invitation and a participant. */
async function studioB(t: TestServer, bea: Browser): Promise<BIds> {
  const workspaceId = ((await (await bea.fetch('/api/workspaces', { json: { name: 'Ivory Events', kind: 'planner' } })).json()) as { id: string }).id;
  const weddingId = ((await (await bea.fetch('/api/weddings', { json: { workspaceId, title: 'Noor & Eli', date: '2027-06-12', timezone: 'Europe/London' } })).json()) as { id: string }).id;
  await t.server.collab.withDocument(weddingId, (ydoc) => {
    const doc = new WeddingDoc(ydoc);
    doc.upsertVendor({ id: 'photo', name: 'Lens', category: 'photographer' });
    doc.upsertEvent({ id: 'ceremony', title: 'Ceremony', start: '2027-06-12T14:00:00+01:00', end: '2027-06-12T15:00:00+01:00', vendorIds: ['photo'] });
  });
  const token = await bea.accessToken(weddingId);
  const { integrationId } = await connectWebhooks(t, token, weddingId);
  const outboxId = Number(await serverSql(t.server).value(`INSERT INTO outbox (integration_id, wedding_id, kind, entity, entity_id, payload, content_hash, idempotency_key, status, attempts, next_attempt_at, created_at)
    VALUES (?, ?, 'entity', 'timeline', 'ceremony', '{}', 'h', 'isolation-dead', 'dead', 5, 0, 0) RETURNING id`, integrationId, weddingId));
  const feed = await t.fetch('/api/calendar/feeds', { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ weddingId }) });
  const { feedId } = (await feed.json()) as { feedId: string };
  const invitationId = ((await (await bea.fetch(`/api/weddings/${weddingId}/invitations`, { json: { role: 'couple' } })).json()) as { id: string }).id;
  const guest = await t.server.people.createPerson({ name: 'Noor' });
  const participantId = (await t.server.people.addParticipant({ weddingId, role: 'couple', personId: guest.id })).id;
  const apiKey = await bea.fetch(`/api/workspaces/${workspaceId}/api-keys`, { json: { name: 'B script', role: 'planner', weddings: [weddingId] } });
  expect(apiKey.status).toBe(201);
  const apiKeyId = ((await apiKey.json()) as { id: string }).id;
  return { weddingId, workspaceId, integrationId, outboxId, feedId, invitationId, participantId, ownerId: bea.person.id, sessionId: bea.session.id, apiKeyId };
}

/** What B holds that a walk could change. */
async function stateOfB(t: TestServer, b: BIds): Promise<unknown> {
  const doc = await t.server.collab.withDocument(b.weddingId, (ydoc) => new WeddingDoc(ydoc).toJSON());
  const { rows } = serverSql(t.server);
  return {
    doc,
    integrations: await rows('SELECT id, status, configuration FROM integrations WHERE wedding_id = ? ORDER BY id', b.weddingId),
    outbox: await rows('SELECT id, status FROM outbox WHERE wedding_id = ? ORDER BY id', b.weddingId),
    feeds: await rows('SELECT * FROM calendar_feeds WHERE wedding_id = ? ORDER BY id', b.weddingId),
    invitations: await rows('SELECT id, revoked_at, uses FROM invitations WHERE wedding_id = ? ORDER BY id', b.weddingId),
    participants: await t.server.people.participantsOf(b.weddingId),
    members: await t.server.people.membersOf(b.workspaceId),
    weddings: await t.server.people.weddingsOfWorkspace(b.workspaceId),
    snapshots: await rows('SELECT count(*) AS n FROM snapshots WHERE wedding_id = ?', b.weddingId),
  };
}

async function call(t: TestServer, method: string, req: Request, auth: { token?: string; browser?: Browser }) {
  const init: RequestInit = { method, ...(req.body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body) } : {}) };
  const res = auth.browser ? await auth.browser.fetch(req.path, init) : await t.fetch(req.path, { ...init, token: auth.token });
  const text = await res.text();
  let code: string | undefined;
  try { code = (JSON.parse(text) as { error?: { code?: string } }).error?.code; } catch { code = undefined; }
  return { status: res.status, code, text };
}

describe('workspace isolation: a person in workspace A never reaches workspace B’s weddings', () => {
  it('through any bearer route with tokens minted from A’s sessions, any session route with A’s session, or the WebSocket', async () => {
    const t = await startTestServer();
    const ana = await signedIn(t, 'ana@bloom.example', 'Ana');
    const lens = await signedIn(t, 'studio@lens.example', 'Lens');
    const bea = await signedIn(t, 'bea@ivory.example', 'Bea');
    // Studio A: Ana plans wA; the photographer's workspace works on wA as vendor `photo` (the same vendor id as in B).
    const bloom = ((await (await ana.fetch('/api/workspaces', { json: { name: 'Bloom Planning', kind: 'planner' } })).json()) as { id: string }).id;
    const wA = ((await (await ana.fetch('/api/weddings', { json: { workspaceId: bloom, title: 'Ava & Sam', timezone: 'Europe/London' } })).json()) as { id: string }).id;
    await t.server.collab.withDocument(wA, (ydoc) => { new WeddingDoc(ydoc).upsertVendor({ id: 'photo', name: 'Lens', category: 'photographer' }); });
    const photo = ((await (await lens.fetch('/api/workspaces', { json: { name: 'Lens & Light', kind: 'photographer' } })).json()) as { id: string }).id;
    await t.server.people.addParticipant({ weddingId: wA, role: 'vendor', vendorId: 'photo', vendorWorkspaceId: photo });
    const b = await studioB(t, bea);
    const before = await stateOfB(t, b);

    const doc = (await (await t.fetch('/api/openapi.json')).json()) as OpenApi;
    const routes = (scheme: string) => Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).filter(([, op]) => op.security.some((s) => scheme in s)).map(([method]) => `${method.toUpperCase()} ${path}`));
    const bearerRoutes = routes('bearer');
    const sessionRoutes = routes('session');
    expect({ unlisted: bearerRoutes.filter((r) => !BEARER[r]), unlistedSession: sessionRoutes.filter((r) => !SESSION[r]) }).toEqual({ unlisted: [], unlistedSession: [] });
    expect(sessionRoutes.length).toBeGreaterThan(10);

    const tokensOfA = { 'Ana (planner of wA)': await ana.accessToken(wA), 'Lens (vendor photo of wA)': await lens.accessToken(wA) };
    const secretsOfB = [b.weddingId, b.workspaceId, b.integrationId, b.feedId, 'Noor & Eli', 'bea@ivory.example'];
    const wrong: string[] = [];
    const judge = (route: string, who: string, walk: Walk, answer: { status: number; code?: string; text: string }) => {
      if (walk.notScoped) {
        const leaked = secretsOfB.filter((s) => answer.text.includes(s));
        if (answer.status >= 500 || leaked.length) wrong.push(`${route} as ${who}: ${answer.status}, mentions ${leaked.join(', ')}`);
        return;
      }
      const refused = answer.status === 403 || (walk.byForeignId && answer.status === 404);
      if (!refused) wrong.push(`${route} as ${who}: ${answer.status} ${answer.code} (should be refused)`);
      else if (secretsOfB.slice(2).some((s) => answer.text.includes(s))) wrong.push(`${route} as ${who}: the refusal mentions B's data`);
    };
    for (const route of bearerRoutes) {
      const walk = BEARER[route]!;
      for (const [who, token] of Object.entries(tokensOfA)) judge(route, who, walk, await call(t, route.split(' ')[0]!, walk.request(b), { token }));
    }
    expect(wrong).toEqual([]);

    // The WebSocket: A's tokens cannot open B's wedding.
    for (const token of Object.values(tokensOfA)) {
      const conn = await t.connect(b.weddingId, token);
      await expect(conn.whenSynced(5000)).rejects.toMatchObject({ name: 'WedSyncClientError', code: 'wedding_forbidden' });
      expect(conn.doc.getEvent('ceremony')).toBeUndefined();
      await conn.destroy();
    }
    expect(WedSyncClientError).toBeDefined();
    // The y-websocket endpoint too: refused with 4403 before any document data is sent.
    for (const token of Object.values(tokensOfA)) {
      const ws = new WebSocket(`${t.httpUrl.replace(/^http/, 'ws')}/yjs/wedding:${b.weddingId}?token=${encodeURIComponent(token)}`);
      const frames: Buffer[] = [];
      ws.on('message', (data: Buffer) => frames.push(data));
      const code = await new Promise<number>((resolve) => ws.once('close', (c: number) => resolve(c)));
      expect(code).toBe(4403);
      expect(frames.some((f) => f.includes(Buffer.from('Noor & Eli')))).toBe(false);
    }

    // Signing out last: it ends the session the other routes are walked with.
    for (const route of [...sessionRoutes].sort((x, y) => Number(x === 'POST /api/auth/sign-out') - Number(y === 'POST /api/auth/sign-out'))) {
      const walk = SESSION[route]!;
      for (const [who, browser] of Object.entries({ Ana: ana, Lens: lens })) judge(route, `${who}'s session`, walk, await call(t, route.split(' ')[0]!, walk.request(b), { browser }));
    }
    expect(wrong).toEqual([]);

    // Nothing of B's changed, and B still works.
    expect(await stateOfB(t, b)).toEqual(before);
    expect((await bea.fetch(`/api/workspaces/${b.workspaceId}/weddings`)).status).toBe(200);
  });
});
