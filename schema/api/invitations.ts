import { z } from 'zod';
import { ErrorBody } from './common.ts';
import { Email, Participant, WEDDING_ROLES, WorkspaceId } from './people.ts';
import type { RouteContract } from './routes.ts';
import { VisibleText } from '../document/visible-text.ts';

/** Hours an invitation stays open. @default 168 (one week); at most 720 (30 days). */
export const INVITATION_DEFAULT_HOURS = 168;
export const INVITATION_MAX_HOURS = 720;

/**
 * `POST /api/weddings/{id}/invitations` (planners). With `email`, the link is e-mailed to that address
 * (one use by default); without, it is a share link (25 uses by default). A vendor invitation names
 * the vendor entry (`vendors.<vendorId>`, which must exist in the wedding) it binds to.
 */
export const InvitationCreateBody = z.object({
  role: z.enum(WEDDING_ROLES),
  vendorId: z.string().min(1).max(64).optional(),
  email: Email.optional(),
  expiresInHours: z.number().int().min(1).max(INVITATION_MAX_HOURS).optional(),
  maxUses: z.number().int().min(1).max(1000).optional(),
}).strict().refine((b) => (b.role === 'vendor') === (b.vendorId !== undefined), { message: 'vendorId is required for vendor invitations, and only for them', path: ['vendorId'] });
export type InvitationCreateBody = z.infer<typeof InvitationCreateBody>;

/** An invitation as its wedding's planners see it. Times in ms since the epoch (UTC). The link's token is shown only when it is created. */
export const InvitationSummary = z.object({
  id: z.string(),
  role: z.enum(WEDDING_ROLES),
  vendorId: z.string().nullable(),
  /** Null for a share link. */
  email: z.string().nullable(),
  invitedBy: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  maxUses: z.number().int(),
  uses: z.number().int(),
  revokedAt: z.number().int().nullable(),
});
/** `201`: the invitation and its link `${PUBLIC_URL}/invite/<token>` (shown once). */
export const InvitationCreated = InvitationSummary.extend({ url: z.string() });
export const InvitationListResponse = z.object({ invitations: z.array(InvitationSummary) });

/** `GET /api/invitations/{token}` (public): what accepting would give; `needsAccount` for planners (sign in first). */
export const InvitationPreview = z.object({
  weddingTitle: z.string().nullable(),
  /** The wedding's IANA time zone (`Europe/London`), in which the page shows the expiry; null when not set. @default null */
  timeZone: z.string().nullable().default(null),
  role: z.enum(WEDDING_ROLES),
  vendorName: z.string().optional(),
  invitedBy: z.string(),
  expiresAt: z.number().int(),
  /** Sign in first: a planner invitation. */
  needsAccount: z.boolean(),
  /**
   * Sent to an e-mail address: the app recommends signing in with it first, so the person can sign in
   * again on any device (a name-only join lives in one browser). @default false
   */
  byEmail: z.boolean().default(false),
});

/**
 * `POST /api/invitations/{token}/accept`. Signed in (session cookie + X-CSRF-Token): the caller becomes
 * the participant. Not signed in: couples, vendors and viewers join with `name` (a name-only person
 * and a session cookie are created); planners must sign in first. A vendor who belongs to a vendor
 * workspace may bind it (`vendorWorkspaceId`): every member of that workspace then acts as the vendor.
 */
export const InvitationAcceptBody = z.object({
  name: VisibleText(100).optional(),
  vendorWorkspaceId: WorkspaceId.optional(),
}).strict();
export const InvitationAccepted = z.object({
  weddingId: z.string(),
  role: z.enum(WEDDING_ROLES),
  vendorId: z.string().optional(),
  /** True when the caller already took part (no use of the link was taken). */
  alreadyParticipant: z.boolean(),
});

/** A participant with the name to show: the person's, or the bound vendor workspace's. */
export const ParticipantEntry = Participant.extend({ name: z.string().nullable(), email: z.string().nullable() });
export const ParticipantListResponse = z.object({ participants: z.array(ParticipantEntry) });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const gone = { 404: ErrorBody, 410: ErrorBody, 429: ErrorBody };

export const INVITATION_ROUTES: RouteContract[] = [
  { method: 'post', path: '/api/weddings/{id}/invitations', summary: 'Invite by e-mail or make a share link with a role (planners)', auth: 'session', body: InvitationCreateBody, responses: { 201: InvitationCreated, ...errors } },
  { method: 'get', path: '/api/weddings/{id}/invitations', summary: "The wedding's invitations and share links (planners)", auth: 'session', responses: { 200: InvitationListResponse, ...errors } },
  { method: 'delete', path: '/api/weddings/{id}/invitations/{invitationId}', summary: 'Revoke an invitation or share link (planners)', auth: 'session', responses: { 204: null, ...errors } },
  { method: 'get', path: '/api/invitations/{token}', summary: 'What an invitation offers (public; rate-limited per address)', auth: 'none', responses: { 200: InvitationPreview, ...gone } },
  { method: 'post', path: '/api/invitations/{token}/accept', summary: 'Accept an invitation: signed in, or with just a name (not for planners)', auth: 'none', body: InvitationAcceptBody, responses: { 200: InvitationAccepted, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, ...gone } },
  { method: 'get', path: '/api/weddings/{id}/participants', summary: "The wedding's participants (planners)", auth: 'session', responses: { 200: ParticipantListResponse, ...errors } },
  { method: 'delete', path: '/api/weddings/{id}/participants/{participantId}', summary: 'Remove a participant (planners); their next token mint fails', auth: 'session', responses: { 204: null, ...errors } },
];
