import crypto from 'node:crypto';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type * as Y from 'yjs';
import { WeddingDoc, clientOrigin } from '../../schema/index.ts';
import type { z } from 'zod';
import {
  WorkspaceCreateBody, WorkspaceMemberAddBody, WorkspaceWeddingCreateBody, type WeddingIntegrationHealth, type WorkspaceWedding, type WorkspaceWeddingCreateResponse,
} from '../../schema/api/workspaces.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { Logger } from '../logger.ts';
import type { MailSender } from '../people/mail.ts';
import { PeopleConflictError, type PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import { peekWedding, type OpenDocuments } from '../people/wedding-peek.ts';
import { exhausted, milestoneFacts, nextMilestone } from '../people/wedding-summary.ts';
import type { StoredDocuments } from '../people/wedding-peek.ts';
import { readJson } from './body.ts';
import { HttpError } from './http-error.ts';
import { assertMember } from './people-guards.ts';
import { requireSession, SESSION_COOKIE, type SessionEnv } from './session-middleware.ts';

export interface WorkspaceRoutesDeps {
  people: PeopleStore;
  sessions: SessionStore;
  /** Opens a wedding's live document (the collab server's withDocument), to write a new wedding's details. */
  withDocument<T>(weddingId: string, fn: (doc: Y.Doc) => T): Promise<T>;
  /** For reading titles and dates of many weddings without opening them (peekWedding). */
  open: OpenDocuments;
  store: StoredDocuments;
  mail: MailSender;
  publicUrl(): string;
  logger: Logger;
  /**
   * The worst health of a wedding's integrations: all of them, or those bound to one vendor entry
   * (Bridge.weddingHealth). Absent: the list carries no `integrationHealth`.
   */
  weddingHealth?(weddingId: string, vendorId: string | null): Promise<WeddingIntegrationHealth>;
  /** ms since the epoch, for the next milestone. @default Date.now */
  now?(): number;
}

/**
 * Workspaces (businesses) and their members, for signed-in people (session cookie; writes need
 * X-CSRF-Token), and `POST /api/weddings` in the session form. docs/people.md, docs/api.md.
 * - `POST /api/workspaces` `{name, kind}` → 201 workspace, the caller its owner; `GET /api/workspaces` → the caller's.
 * - `GET /api/workspaces/{id}/weddings` (members): every wedding the workspace works on — its own
 *   (`planner`) and, for a vendor's workspace, those it is bound to across planners (`vendor`) —
 *   with title, date and time zone read from each document without opening it (peekWedding), its
 *   next milestone (wedding-summary.ts) and the worst health of its integrations in plain words
 *   (its own vendor entry's only, for a wedding the workspace serves as a vendor).
 * - `GET|POST /api/workspaces/{id}/members`, `DELETE /api/workspaces/{id}/members/{personId}`:
 *   members list; owners add by e-mail (an unknown address gets an account and an e-mail) and
 *   remove (anyone may remove themselves); the last owner cannot leave (409 `last_owner`).
 * Someone outside the workspace gets 403 `workspace_forbidden`, whether it exists or not.
 */
export function workspaceRoutes(deps: WorkspaceRoutesDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const session = requireSession(deps.sessions, deps.people);

  app.post('/workspaces', session, async (c) => {
    const body = await readJson(c, WorkspaceCreateBody);
    return c.json(await deps.people.createWorkspace(body, c.get('person').id), 201);
  });

  app.get('/workspaces', session, async (c) => c.json({ workspaces: await deps.people.membershipsOf(c.get('person').id) }));

  const now = deps.now ?? Date.now;

  app.get('/workspaces/:id/weddings', session, async (c) => {
    const workspaceId = c.req.param('id');
    await assertMember(deps.people, c.get('person').id, workspaceId);
    const names = new Map<string, string>();
    const weddings: z.infer<typeof WorkspaceWedding>[] = [];
    for (const w of await deps.people.weddingsOfWorkspace(workspaceId)) {
      const at = now();
      const { meta, facts } = await peekWedding(deps, w.weddingId, (doc) => ({ meta: doc.getMeta(), facts: milestoneFacts(doc, at) }),
        { key: 'workspace-list', stale: (kept) => exhausted(kept.facts, at) });
      const milestone = nextMilestone(facts, at);
      // A vendor's workspace sees only its own vendor entry's integrations, as its vendor token would.
      const health = await deps.weddingHealth?.(w.weddingId, w.role === 'vendor' ? (w.vendorId ?? '') : null);
      let ownerWorkspace: { id: string; name: string } | undefined;
      if (w.ownerWorkspaceId && w.ownerWorkspaceId !== workspaceId) {
        if (!names.has(w.ownerWorkspaceId)) names.set(w.ownerWorkspaceId, (await deps.people.getWorkspace(w.ownerWorkspaceId))?.name ?? '');
        ownerWorkspace = { id: w.ownerWorkspaceId, name: names.get(w.ownerWorkspaceId)! };
      }
      weddings.push({
        weddingId: w.weddingId, role: w.role, ...(w.vendorId ? { vendorId: w.vendorId } : {}),
        ...(typeof meta.title === 'string' ? { title: meta.title } : {}), ...(typeof meta.date === 'string' ? { date: meta.date } : {}),
        ...(typeof meta.timezone === 'string' ? { timezone: meta.timezone } : {}),
        nextMilestone: milestone, ...(health ? { integrationHealth: health } : {}),
        ...(ownerWorkspace ? { ownerWorkspace } : {}),
      });
    }
    return c.json({ weddings });
  });

  app.get('/workspaces/:id/members', session, async (c) => {
    const workspaceId = c.req.param('id');
    await assertMember(deps.people, c.get('person').id, workspaceId);
    return c.json({ members: await deps.people.membersOf(workspaceId) });
  });

  app.post('/workspaces/:id/members', session, async (c) => {
    const workspaceId = c.req.param('id');
    await assertMember(deps.people, c.get('person').id, workspaceId, 'owner');
    const { email, role } = await readJson(c, WorkspaceMemberAddBody);
    const workspace = (await deps.people.getWorkspace(workspaceId))!;
    let person = await deps.people.findPersonByEmail(email);
    const isNew = !person;
    if (!person) {
      try {
        person = await deps.people.createPerson({ email, name: email.split('@')[0]! });
      } catch (error) {
        if (!(error instanceof PeopleConflictError)) throw error;
        person = (await deps.people.findPersonByEmail(email))!;
      }
    }
    if (role === 'member' && (await deps.people.memberRole(workspaceId, person.id)) === 'owner') await assertNotLastOwner(deps.people, workspaceId);
    await deps.people.addMember(workspaceId, person.id, role);
    const signIn = `${deps.publicUrl()}/`;
    deps.mail.send({
      to: email,
      subject: `You were added to ${workspace.name} on WedSync`,
      text: `${c.get('person').name} added you to ${workspace.name} as ${role === 'owner' ? 'an owner' : 'a member'}.\n\n${isNew ? 'Sign in with this e-mail address' : 'Sign in'} at ${signIn} to see its weddings.\n`,
    }).catch((error: unknown) => deps.logger.warn({ err: error, workspaceId }, 'could not send the new-member e-mail'));
    return c.json({ person, role }, 201);
  });

  app.delete('/workspaces/:id/members/:personId', session, async (c) => {
    const workspaceId = c.req.param('id');
    const personId = c.req.param('personId');
    const me = c.get('person').id;
    // Anyone may leave; only owners remove others.
    await assertMember(deps.people, me, workspaceId, personId === me ? 'member' : 'owner');
    const role = await deps.people.memberRole(workspaceId, personId);
    if (!role) throw new HttpError(404, 'member_unknown', `${personId} is not a member of this workspace`);
    if (role === 'owner') await assertNotLastOwner(deps.people, workspaceId);
    await deps.people.removeMember(workspaceId, personId);
    return c.body(null, 204);
  });

  // The session form of POST /api/weddings. A request with an Authorization header, or without a
  // session cookie, is the bearer form: it falls through to weddingRoutes.
  app.post('/weddings', async (c, next) => {
    if (c.req.header('authorization') || !getCookie(c, SESSION_COOKIE)) return next();
    await session(c, async () => {
      const person = c.get('person');
      const body = await readJson(c, WorkspaceWeddingCreateBody);
      const workspaceId = body.workspaceId ?? (await onlyWorkspace(deps.people, person.id));
      await assertMember(deps.people, person.id, workspaceId);
      const id = `wed_${crypto.randomBytes(12).toString('base64url')}`;
      await deps.people.registerWedding({ id, workspaceId, createdBy: person.id });
      const { workspaceId: _omit, ...details } = body;
      const meta = await deps.withDocument(id, (ydoc) => new WeddingDoc(ydoc).setMeta({ status: 'planning', ...details }, clientOrigin(person.id, { name: person.name, role: 'planner' })));
      const answer: z.infer<typeof WorkspaceWeddingCreateResponse> = { id, meta, workspaceId };
      c.res = c.json(answer, 201);
    });
    return c.res;
  });

  return app;
}

/** The caller's one workspace, when `workspaceId` is left out. */
async function onlyWorkspace(people: PeopleStore, personId: string): Promise<string> {
  const memberships = await people.membershipsOf(personId);
  if (memberships.length === 0) throw new AuthError('workspace_forbidden', 'create a workspace first (POST /api/workspaces): a wedding belongs to one');
  const planning = memberships.filter((m) => m.workspace.kind === 'planner');
  const candidates = planning.length > 0 ? planning : memberships;
  if (candidates.length > 1) throw new HttpError(400, 'workspace_required', 'you belong to several workspaces: say which one the wedding belongs to (workspaceId)');
  return candidates[0]!.workspace.id;
}

async function assertNotLastOwner(people: PeopleStore, workspaceId: string): Promise<void> {
  const owners = (await people.membersOf(workspaceId)).filter((m) => m.role === 'owner');
  if (owners.length <= 1) throw new HttpError(409, 'last_owner', 'a workspace keeps at least one owner: make someone else an owner first');
}
