import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import {
  INVITATION_DEFAULT_HOURS, InvitationAcceptBody, InvitationCreateBody, type InvitationAccepted, type InvitationCreated, type InvitationPreview,
  type InvitationSummary, type ParticipantEntry,
} from '../../schema/api/invitations.ts';
import type { Person, WeddingRole } from '../../schema/api/people.ts';
import { AuthError } from '../auth/auth-error.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { createAttemptLimiter } from './attempt-limits.ts';
import type { BudgetStore } from './budget-limiter.ts';
import { clientAddress } from './client-address.ts';
import type { Invitation, InvitationStore } from '../people/invitation-store.ts';
import type { MailSender } from '../people/mail.ts';
import { PeopleConflictError, type PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import { peekWedding, type OpenDocuments } from '../people/wedding-peek.ts';
import type { StoredDocuments } from '../people/wedding-peek.ts';
import { readJson } from './body.ts';
import { HttpError } from './http-error.ts';
import { assertPlanner, optionalSession } from './people-guards.ts';
import { requireSession, openSession, type SessionEnv } from './session-middleware.ts';
import { dateTimeWithZone } from '../../schema/document/date-words.ts';

export interface InvitationRoutesDeps {
  people: PeopleStore;
  sessions: SessionStore;
  invitations: InvitationStore;
  open: OpenDocuments;
  store: StoredDocuments;
  mail: MailSender;
  publicUrl(): string;
  logger: Logger;
  metrics: Metrics;
  /** Look-ups and accepts of invitation tokens per minute from one client address; 0 turns it off. */
  perIpPerMinute: number;
  /** Where that budget is counted (budget-limiter.ts): null in this process, else shared by the cluster. @default null */
  budgets?: BudgetStore;
  now?: () => number;
}

const HOUR_MS = 3_600_000;
const STATUS = { invitation_unknown: 404, invitation_expired: 410, invitation_used_up: 410 } as const;
const MESSAGE = {
  invitation_unknown: 'this invitation does not exist or was revoked',
  invitation_expired: 'this invitation has expired: ask the planner for a new one',
  invitation_used_up: 'this invitation has been used as many times as it allows: ask the planner for a new one',
} as const;

/**
 * Invitations, share links and participants (docs/people.md):
 * - planners (session) create (`POST /api/weddings/{id}/invitations`), list and revoke them, and
 *   list and remove participants; a removed participant's next token mint fails (tokens already
 *   minted live out their ≤ 10 minutes);
 * - anyone holding a link previews it (`GET /api/invitations/{token}`) and accepts it
 *   (`POST /api/invitations/{token}/accept`): signed in, or — for couples, vendors and viewers —
 *   with just a name, which creates a name-only person and a session cookie.
 * Token look-ups are limited per client address (429 `rate_limited` with Retry-After), so links
 * cannot be guessed at speed (they carry 256 random bits anyway).
 */
export function invitationRoutes(deps: InvitationRoutesDeps): Hono<SessionEnv> {
  const app = new Hono<SessionEnv>();
  const session = requireSession(deps.sessions, deps.people);
  const now = deps.now ?? Date.now;
  const limiter = createAttemptLimiter('invitation', { points: deps.perIpPerMinute, durationS: 60 }, deps.metrics, deps.budgets ?? null);
  const limited = (c: Context): Promise<Response | null> => limiter.consume(c, clientAddress(c));

  const openToken = async (token: string): Promise<Invitation> => {
    const opened = await deps.invitations.open(token);
    if ('refused' in opened) throw new HttpError(STATUS[opened.refused], opened.refused, MESSAGE[opened.refused]);
    return opened.invitation;
  };

  app.post('/weddings/:id/invitations', session, async (c) => {
    const weddingId = c.req.param('id');
    const person = c.get('person');
    await assertPlanner(deps.people, person.id, weddingId);
    const body = await readJson(c, InvitationCreateBody);
    if (body.vendorId !== undefined && !(await peekWedding(deps, weddingId, (doc) => doc.getVendor(body.vendorId!)))) {
      throw new HttpError(400, 'vendor_unknown', `wedding ${weddingId} has no vendor ${body.vendorId}: add the vendor first`);
    }
    const { invitation, token } = await deps.invitations.create({
      weddingId, role: body.role, vendorId: body.vendorId, email: body.email ?? null, invitedBy: person.id,
      expiresAt: now() + (body.expiresInHours ?? INVITATION_DEFAULT_HOURS) * HOUR_MS, maxUses: body.maxUses ?? (body.email ? 1 : 25),
    });
    const url = `${deps.publicUrl()}/invite/${token}`;
    if (invitation.email) {
      const { title, timeZone } = await peekWedding(deps, weddingId, (doc) => ({ title: doc.getMeta().title || 'a wedding', timeZone: doc.getMeta().timezone || null }));
      deps.mail.send({
        to: invitation.email,
        subject: `${person.name} invites you to ${title} on WedSync`,
        text: `${person.name} invites you to ${title} as ${article(invitation.role)}.\n\nOpen this link to accept (valid until ${dateTimeWithZone(invitation.expiresAt, timeZone)}):\n${url}\n`,
      }).catch((error: unknown) => deps.logger.warn({ err: error, weddingId, invitationId: invitation.id }, 'could not send the invitation e-mail'));
    }
    const answer: z.infer<typeof InvitationCreated> = { ...summary(invitation), url };
    return c.json(answer, 201);
  });

  app.get('/weddings/:id/invitations', session, async (c) => {
    const weddingId = c.req.param('id');
    await assertPlanner(deps.people, c.get('person').id, weddingId);
    return c.json({ invitations: (await deps.invitations.listFor(weddingId)).map(summary) });
  });

  app.delete('/weddings/:id/invitations/:invitationId', session, async (c) => {
    const weddingId = c.req.param('id');
    await assertPlanner(deps.people, c.get('person').id, weddingId);
    if (!(await deps.invitations.revoke(weddingId, c.req.param('invitationId')))) throw new HttpError(404, 'invitation_unknown', 'this wedding has no such invitation');
    return c.body(null, 204);
  });

  app.get('/invitations/:token', async (c) => {
    const refused = await limited(c);
    if (refused) return refused;
    const invitation = await openToken(c.req.param('token'));
    const { title, vendorName, timeZone } = await peekWedding(deps, invitation.weddingId, (doc) => ({
      title: doc.getMeta().title ?? null, timeZone: doc.getMeta().timezone || null, vendorName: invitation.vendorId ? doc.getVendor(invitation.vendorId)?.name : undefined,
    }));
    const inviter = await deps.people.getPerson(invitation.invitedBy);
    const answer: z.infer<typeof InvitationPreview> = {
      weddingTitle: title || null, timeZone, role: invitation.role, ...(vendorName ? { vendorName } : {}), invitedBy: inviter?.name ?? 'a planner',
      expiresAt: invitation.expiresAt, needsAccount: invitation.role === 'planner', byEmail: invitation.email !== null,
    };
    return c.json(answer);
  });

  app.post('/invitations/:token/accept', async (c) => {
    const refused = await limited(c);
    if (refused) return refused;
    const invitation = await openToken(c.req.param('token'));
    const signedIn = await optionalSession(c, deps.sessions, deps.people);
    const body = await readJson(c, InvitationAcceptBody);
    if (body.vendorWorkspaceId !== undefined) {
      if (invitation.role !== 'vendor') throw new HttpError(400, 'validation_failed', 'only a vendor invitation binds a vendor workspace');
      if (!signedIn || !(await deps.people.memberRole(body.vendorWorkspaceId, signedIn.person.id))) {
        throw new AuthError('workspace_forbidden', `you are not a member of workspace ${body.vendorWorkspaceId}`);
      }
    }
    if (signedIn) {
      // Someone who already takes part keeps what they have; no use of the link is taken.
      const existing = await deps.people.accessFor(signedIn.person.id, invitation.weddingId);
      if (existing) return c.json(accepted(invitation.weddingId, existing.role, existing.vendorId, true));
      await join(signedIn.person, body.vendorWorkspaceId);
      return c.json(accepted(invitation.weddingId, invitation.role, invitation.vendorId ?? undefined, false));
    }
    if (invitation.role === 'planner') throw new AuthError('session_missing', 'a planner invitation needs a signed-in person: sign in, then open the link again');
    if (!body.name) throw new HttpError(400, 'validation_failed', 'tell us your name (name) to join without an account, or sign in first');
    if (!(await deps.invitations.takeUse(invitation.id))) throw new HttpError(410, 'invitation_used_up', MESSAGE.invitation_used_up);
    let person: Person;
    try {
      // Never the invited address: whoever holds a link (forwarded, or made by anyone for any address)
      // would own that address's account to come. The app recommends signing in by e-mail first.
      person = await deps.people.createPerson({ name: body.name });
      await deps.people.addParticipant({ weddingId: invitation.weddingId, role: invitation.role, personId: person.id, ...(invitation.vendorId ? { vendorId: invitation.vendorId } : {}), createdBy: invitation.invitedBy });
    } catch (error) {
      await deps.invitations.returnUse(invitation.id);
      throw error;
    }
    await openSession(c, deps.sessions, person.id, 'invitation', deps.publicUrl().startsWith('https:'));
    return c.json(accepted(invitation.weddingId, invitation.role, invitation.vendorId ?? undefined, false));

    async function join(person: Person, vendorWorkspaceId: string | undefined): Promise<void> {
      if (!(await deps.invitations.takeUse(invitation.id))) throw new HttpError(410, 'invitation_used_up', MESSAGE.invitation_used_up);
      try {
        await deps.people.addParticipant({
          weddingId: invitation.weddingId, role: invitation.role, personId: person.id, createdBy: invitation.invitedBy,
          ...(invitation.vendorId ? { vendorId: invitation.vendorId } : {}), ...(vendorWorkspaceId ? { vendorWorkspaceId } : {}),
        });
      } catch (error) {
        await deps.invitations.returnUse(invitation.id);
        if (error instanceof PeopleConflictError) throw new HttpError(409, 'already_participant', 'you, or that vendor workspace, take part in this wedding already');
        throw error;
      }
    }
  });

  app.get('/weddings/:id/participants', session, async (c) => {
    const weddingId = c.req.param('id');
    await assertPlanner(deps.people, c.get('person').id, weddingId);
    const participants: z.infer<typeof ParticipantEntry>[] = [];
    for (const p of await deps.people.participantsOf(weddingId)) {
      const person = p.personId ? await deps.people.getPerson(p.personId) : null;
      const workspace = !person && p.vendorWorkspaceId ? await deps.people.getWorkspace(p.vendorWorkspaceId) : null;
      participants.push({ ...p, name: person?.name ?? workspace?.name ?? null, email: person?.email ?? null });
    }
    return c.json({ participants });
  });

  app.delete('/weddings/:id/participants/:participantId', session, async (c) => {
    const weddingId = c.req.param('id');
    await assertPlanner(deps.people, c.get('person').id, weddingId);
    if (!(await deps.people.removeParticipant(weddingId, c.req.param('participantId')))) throw new HttpError(404, 'participant_unknown', 'this wedding has no such participant');
    return c.body(null, 204);
  });

  return app;
}

function summary(i: Invitation): z.infer<typeof InvitationSummary> {
  return { id: i.id, role: i.role, vendorId: i.vendorId, email: i.email, invitedBy: i.invitedBy, createdAt: i.createdAt, expiresAt: i.expiresAt, maxUses: i.maxUses, uses: i.uses, revokedAt: i.revokedAt };
}

function accepted(weddingId: string, role: WeddingRole, vendorId: string | undefined, alreadyParticipant: boolean): z.infer<typeof InvitationAccepted> {
  return { weddingId, role, ...(vendorId ? { vendorId } : {}), alreadyParticipant };
}

const article = (role: WeddingRole): string => ({ planner: 'a planner', couple: 'the couple', vendor: 'a vendor', viewer: 'a guest viewer' })[role];
