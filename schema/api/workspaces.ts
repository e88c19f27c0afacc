import { z } from 'zod';
import { IsoDate, TimeZone, WeddingMeta } from '../document/entities.ts';
import { ErrorBody } from './common.ts';
import { Email, Person, Workspace, WorkspaceId, WorkspaceMembership, WORKSPACE_KINDS, WORKSPACE_ROLES } from './people.ts';
import type { RouteContract } from './routes.ts';
import { VisibleText } from '../document/visible-text.ts';

/** `POST /api/workspaces`: a new business; the caller becomes its owner. */
export const WorkspaceCreateBody = z.object({ name: VisibleText(120), kind: z.enum(WORKSPACE_KINDS) }).strict();
export const WorkspaceListResponse = z.object({ workspaces: z.array(WorkspaceMembership) });

/**
 * A wedding's next milestone (server/people/wedding-summary.ts): its next timeline event or its next
 * outstanding payment due, whichever comes first. `date` (YYYY-MM-DD) and `time` (HH:MM) are wall
 * clock in the wedding's zone; `at` is the event's start as stored (ISO 8601 with offset).
 */
export const WeddingMilestone = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), title: z.string(), date: z.string(), time: z.string(), at: z.string() }),
  z.object({
    kind: z.literal('payment'), title: z.string(), date: z.string(), vendorName: z.string().nullable(),
    /** Minor units of `currency` still to pay. */
    outstanding: z.number().int(), currency: z.string(),
  }),
]);
export type WeddingMilestone = z.infer<typeof WeddingMilestone>;

export const WEDDING_HEALTH = ['none', 'healthy', 'degraded', 'failing'] as const;
/**
 * The worst health of a wedding's integrations that the workspace may see (all of them for its own
 * weddings, its own vendor entry's for a wedding it serves as a vendor), in plain words. `none` when
 * nothing is connected.
 */
export const WeddingIntegrationHealth = z.object({
  state: z.enum(WEDDING_HEALTH),
  /** How many integrations (bindings) it summarises. */
  integrations: z.number().int(),
  words: z.string(),
});
export type WeddingIntegrationHealth = z.infer<typeof WeddingIntegrationHealth>;

/**
 * One wedding a workspace works on (`GET /api/workspaces/{id}/weddings`): its own weddings
 * (`planner`) and those it is bound to as a vendor, across planners (`vendor`, with the vendor entry).
 * `title` and `date` come from the wedding document's meta, when set.
 */
export const WorkspaceWedding = z.object({
  weddingId: z.string(),
  role: z.enum(['planner', 'vendor']),
  vendorId: z.string().optional(),
  title: z.string().optional(),
  date: z.string().optional(),
  /** The wedding's IANA time zone, when set: `nextMilestone` is in it. */
  timezone: z.string().optional(),
  nextMilestone: WeddingMilestone.nullable().optional(),
  integrationHealth: WeddingIntegrationHealth.optional(),
  /** The workspace the wedding belongs to (the planner's), when it is not this one. */
  ownerWorkspace: z.object({ id: z.string(), name: z.string() }).optional(),
});
export const WorkspaceWeddingsResponse = z.object({ weddings: z.array(WorkspaceWedding) });

export const WorkspaceMember = z.object({ person: Person, role: z.enum(WORKSPACE_ROLES) });
export const WorkspaceMembersResponse = z.object({ members: z.array(WorkspaceMember) });
/**
 * `POST /api/workspaces/{id}/members` (owners): adds a person by e-mail. Someone with no account yet
 * gets one (named after the part before the @ until they rename themselves) and an e-mail telling
 * them where to sign in.
 */
export const WorkspaceMemberAddBody = z.object({ email: Email, role: z.enum(WORKSPACE_ROLES).default('member') }).strict();

/**
 * `POST /api/weddings` with a session: a wedding in the caller's workspace (they must be a member),
 * with a generated id. `workspaceId` may be left out when the caller belongs to exactly one
 * planning workspace. `timezone` is required, as in the bearer form.
 */
export const WorkspaceWeddingCreateBody = z.object({
  workspaceId: WorkspaceId.optional(),
  title: VisibleText(200),
  date: IsoDate.optional(),
  timezone: z.string({ error: (issue) => (issue.input === undefined ? 'required: the wedding’s time zone, an IANA name such as Europe/London' : undefined) }).pipe(TimeZone),
  venue: z.string().max(300).optional(),
}).strict();
export type WorkspaceWeddingCreateBody = z.infer<typeof WorkspaceWeddingCreateBody>;
export const WorkspaceWeddingCreateResponse = z.object({ id: z.string(), meta: WeddingMeta.partial(), workspaceId: z.string() });

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

export const WORKSPACE_ROUTES: RouteContract[] = [
  { method: 'post', path: '/api/workspaces', summary: 'Create a workspace (a business); the caller is its owner', auth: 'session', body: WorkspaceCreateBody, responses: { 201: Workspace, ...errors } },
  { method: 'get', path: '/api/workspaces', summary: "The caller's workspaces and their role in each", auth: 'session', responses: { 200: WorkspaceListResponse, 401: ErrorBody } },
  { method: 'get', path: '/api/workspaces/{id}/weddings', summary: 'Every wedding the workspace works on, its own and, as a vendor, across planners', auth: 'session', responses: { 200: WorkspaceWeddingsResponse, ...errors } },
  { method: 'get', path: '/api/workspaces/{id}/members', summary: "The workspace's members", auth: 'session', responses: { 200: WorkspaceMembersResponse, ...errors } },
  { method: 'post', path: '/api/workspaces/{id}/members', summary: 'Add a member by e-mail (owners)', auth: 'session', body: WorkspaceMemberAddBody, responses: { 201: WorkspaceMember, ...errors } },
  { method: 'delete', path: '/api/workspaces/{id}/members/{personId}', summary: 'Remove a member (owners; the last owner stays)', auth: 'session', responses: { 204: null, ...errors, 404: ErrorBody, 409: ErrorBody } },
];
