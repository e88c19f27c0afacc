import { Hono } from 'hono';
import { CrewUpdateBody, RunOfShowQuery, ScheduleWorkspaceBody, VendorRecordBody, type ScheduleWedding } from '../../schema/api/schedule.ts';
import { ownPart, viewOf } from '../../schema/document/audiences.ts';
import { crewOf, setCrew } from '../../schema/document/contributions.ts';
import { documentFacts, mayWrite } from '../../schema/document/permissions.ts';
import { buildRunOfShow } from '../../schema/document/run-of-show.ts';
import { SchemaError, WeddingDoc, WeddingIdField, clientOrigin } from '../../schema/index.ts';
import type * as Y from 'yjs';
import { AuthError } from '../auth/auth-error.ts';
import type { TokenService } from '../auth/tokens.ts';
import { PeopleConflictError, type PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import { peekWedding, type OpenDocuments } from '../people/wedding-peek.ts';
import { withAudienceCopy } from '../schedule/audience-copy.ts';
import type { PdfRenderer } from '../schedule/pdf-renderer.ts';
import { scheduleEventOf, vendorScheduleOf } from '../schedule/vendor-schedule.ts';
import type { StoredDocuments } from '../people/wedding-peek.ts';
import { assertWeddingAccess, requireAuth } from './auth-middleware.ts';
import { readJson, validate } from './body.ts';
import { HttpError } from './http-error.ts';
import { requireSession, type SessionEnv } from './session-middleware.ts';
import { ownValue } from '../../schema/own-keys.ts';

export interface ScheduleRoutesDeps {
  tokens: TokenService;
  people: PeopleStore;
  sessions: SessionStore;
  open: OpenDocuments;
  store: StoredDocuments;
  /** The collaboration server's live document (writes reach every open client). */
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /** Renders run-of-show PDFs on worker threads, bounded (503 `busy` when its queue is full). */
  pdf: PdfRenderer;
}

/**
 * Each person's own view (issue 14, docs/api.md "My schedule and run-of-show"):
 * - `GET /api/me/schedule` (session): for every wedding the person works on as a vendor (as a
 *   participant or through their vendor workspace; the highest role wins, as for tokens), the
 *   vendor's events, own crew entries and own payments, read from the vendor's audience copy.
 * - `PUT /api/me/schedule/{weddingId}/events/{eventId}/crew` (session + CSRF): the vendor's own call
 *   time, crew notes and confirmation, checked against the write rules (permissions.ts: the vendor
 *   must be on the event); 403 `wedding_forbidden` when the person is not that wedding's vendor.
 * - `PUT /api/me/schedule/{weddingId}/vendor` (session + CSRF): the vendor's own e-mail and phone
 *   on that wedding (its vendor entry only: the id comes from the person's access, never the
 *   request), checked against the write rules; a duplicate of another vendor's address is 409.
 * - `GET /api/weddings/{weddingId}/run-of-show.pdf[?vendorId=]` (bearer): the run-of-show built from
 *   the token's own audience (planner: everything; couple: the couple's; vendor: its own, and only
 *   its own part: 403 `role_forbidden` for another vendor's). Rendered off the event loop
 *   (PdfRenderer): 503 `busy` with Retry-After when too many PDFs wait or this token's subject has
 *   one rendering already, 503 `render_timed_out`.
 */
export function scheduleRoutes(deps: ScheduleRoutesDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const session = requireSession(deps.sessions, deps.people);

  app.get('/me/schedule', session, async (c) => {
    const weddings: ScheduleWedding[] = [];
    for (const access of await deps.people.weddingsFor(c.get('person').id)) {
      if (access.role !== 'vendor' || !access.vendorId) continue;
      const vendorId = access.vendorId;
      // Memoized per vendor entry (wedding-peek.ts): a vendor with forty weddings would otherwise
      // rebuild forty documents on the event loop at every refresh of My schedule.
      weddings.push(await peekWedding(deps, access.weddingId, (doc) =>
        withAudienceCopy(doc.ydoc, { kind: 'vendor', vendorId }, (copy) => vendorScheduleOf(access.weddingId, copy, vendorId)),
      { key: `schedule\u0000${vendorId}` }));
    }
    weddings.sort((a, b) => (a.date || '9999').localeCompare(b.date || '9999') || a.title.localeCompare(b.title));
    return c.json({ weddings });
  });

  app.put('/me/schedule/:weddingId/events/:eventId/crew', session, async (c) => {
    const weddingId = validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');
    const eventId = c.req.param('eventId');
    const body = await readJson(c, CrewUpdateBody);
    const person = c.get('person');
    const access = await deps.people.accessFor(person.id, weddingId);
    if (access?.role !== 'vendor' || !access.vendorId) throw new AuthError('wedding_forbidden', `you do not work on wedding ${weddingId} as a vendor`);
    const vendorId = access.vendorId;
    const writer = { role: 'vendor' as const, sub: person.id, vendorId };
    const event = await deps.withDocument(weddingId, (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      if (!doc.getEvent(eventId)) throw new HttpError(404, 'not_found', `wedding has no event ${eventId}`);
      const facts = documentFacts(ydoc);
      const path = [eventId, 'crew', vendorId, 'arrival'];
      const needsCrewMap = !facts.exists('timeline', [eventId, 'crew']);
      if (!mayWrite(writer, 'timeline', path, facts) || (needsCrewMap && !mayWrite(writer, 'timeline', [eventId, 'crew'], facts))) {
        throw new AuthError('role_forbidden', 'you can change call times only on events you are on');
      }
      const current = ownValue(crewOf(ydoc, eventId), vendorId);
      setCrew(ydoc, eventId, vendorId, {
        arrival: body.callTime ?? (typeof current?.arrival === 'string' ? current.arrival : ''),
        notes: body.notes ?? (typeof current?.notes === 'string' ? current.notes : ''),
        confirmed: body.confirmed ?? current?.confirmed === true,
      }, clientOrigin(person.id, { name: person.name }));
      return withAudienceCopy(ydoc, { kind: 'vendor', vendorId }, (copy) =>
        scheduleEventOf(copy, copy.getEvent(eventId)!, vendorId, new Map(copy.listVendors().map((v) => [v.id, v]))));
    });
    return c.json({ event });
  });

  app.put('/me/schedule/:weddingId/vendor', session, async (c) => {
    const weddingId = validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');
    const body = await readJson(c, VendorRecordBody);
    const person = c.get('person');
    const access = await deps.people.accessFor(person.id, weddingId);
    if (access?.role !== 'vendor' || !access.vendorId) throw new AuthError('wedding_forbidden', `you do not work on wedding ${weddingId} as a vendor`);
    const vendorId = access.vendorId;
    const writer = { role: 'vendor' as const, sub: person.id, vendorId };
    const vendor = await deps.withDocument(weddingId, (ydoc) => {
      const doc = new WeddingDoc(ydoc);
      if (!doc.getVendor(vendorId)) throw new HttpError(404, 'not_found', `wedding has no vendor ${vendorId}`);
      const facts = documentFacts(ydoc);
      const fields = (['email', 'phone'] as const).filter((f) => body[f] !== undefined);
      if (!fields.every((f) => mayWrite(writer, 'vendors', [vendorId, f], facts))) throw new AuthError('role_forbidden', 'you can change only your own vendor record');
      let v;
      try {
        v = doc.upsertVendor({ id: vendorId, ...Object.fromEntries(fields.map((f) => [f, body[f]!.trim()])) }, clientOrigin(person.id, { name: person.name }));
      } catch (error) {
        // A vendor can neither edit nor merge another vendor: say whose it is and who can sort it out.
        if (!(error instanceof SchemaError) || error.code !== 'duplicate') throw error;
        const issue = error.issues[0];
        const what = issue?.path === 'phone' ? 'phone number' : 'e-mail address';
        const other = issue?.vendorId ? doc.getVendor(issue.vendorId)?.name : undefined;
        throw new SchemaError('duplicate', `this ${what} belongs to another vendor of this wedding${other ? ` (${other})` : ''}; ask the planner if it should be yours`, error.issues.map(({ path, message }) => ({ path, message })), { cause: error });
      }
      return { id: v.id, name: v.name, category: v.category, email: v.email, phone: v.phone };
    });
    return c.json({ vendor });
  });

  // A wedding joined by the person themselves, brought into their business, in place (vendor trial:
  // joined "just me", her business's calendar feed had no wedding to choose).
  app.put('/me/schedule/:weddingId/workspace', session, async (c) => {
    const weddingId = validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');
    const { workspaceId } = await readJson(c, ScheduleWorkspaceBody);
    const person = c.get('person');
    const own = (await deps.people.participantsOf(weddingId)).find((x) => x.personId === person.id && x.role === 'vendor' && x.vendorId);
    if (!own?.vendorId) throw new AuthError('wedding_forbidden', `you do not work on wedding ${weddingId} as a vendor yourself`);
    const [workspace, role] = await Promise.all([deps.people.getWorkspace(workspaceId), deps.people.memberRole(workspaceId, person.id)]);
    if (!workspace || !role) throw new AuthError('workspace_forbidden', `you are not a member of workspace ${workspaceId}`);
    if (workspace.kind === 'planner') throw new HttpError(400, 'validation_failed', 'a planning workspace does not work on weddings as a vendor: choose your business');
    if (own.vendorWorkspaceId !== workspaceId) {
      try {
        await deps.people.setParticipantWorkspace(weddingId, own.id, workspaceId);
      } catch (error) {
        if (error instanceof PeopleConflictError) throw new HttpError(409, 'already_participant', `${workspace.name} works on this wedding already`);
        throw error;
      }
    }
    return c.json({ weddingId, vendorId: own.vendorId, vendorWorkspaceId: workspaceId });
  });

  app.get('/weddings/:weddingId/run-of-show.pdf', requireAuth(deps.tokens), async (c) => {
    const weddingId = validate(WeddingIdField, c.req.param('weddingId'), 'wedding id');
    const principal = c.get('principal');
    assertWeddingAccess(principal, weddingId);
    const { vendorId } = validate(RunOfShowQuery, { vendorId: c.req.query('vendorId') || undefined }, 'query');
    if (principal.role === 'vendor' && vendorId !== undefined && vendorId !== principal.vendorId) {
      throw new AuthError('role_forbidden', 'a vendor prints only its own part of the day');
    }
    const view = viewOf(principal.role, principal.vendorId, ownPart(principal.role, principal.vendorId));
    if (!view) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
    const show = await peekWedding(deps, weddingId, (doc) => withAudienceCopy(doc.ydoc, view, (copy) => {
      if (copy.meta.size === 0 && copy.timeline.size === 0) throw new HttpError(404, 'wedding_not_found', `no wedding ${weddingId}`);
      if (vendorId !== undefined && !copy.getVendor(vendorId)) throw new HttpError(404, 'not_found', `wedding has no vendor ${vendorId}`);
      return buildRunOfShow(copy, vendorId);
    }));
    const pdf = await deps.pdf.render(show, principal.sub);
    const name = `run-of-show${vendorId ? `-${vendorId}` : ''}.pdf`.replace(/[^A-Za-z0-9_.-]/g, '_');
    return c.body(pdf as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/pdf', 'Content-Disposition': `attachment; filename="${name}"` });
  });

  return app;
}
