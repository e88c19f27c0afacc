import { z } from 'zod';

/**
 * People, workspaces and participants (issue 11; docs/people.md).
 *
 * - A *workspace* is a business (planning studio, venue, photographer, caterer…) with members.
 * - A wedding belongs to one workspace, normally the planner's; its members are the wedding's planners.
 * - *Participants* take part in one wedding with a wedding role. A vendor participant is bound to one
 *   vendor entry (`vendors.<vendorId>` in the wedding document) and, optionally, to the vendor's own
 *   workspace, whose members then all act as that vendor.
 */
export const WORKSPACE_ROLES = ['owner', 'member'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

export const WORKSPACE_KINDS = ['planner', 'venue', 'photographer', 'caterer', 'florist', 'music', 'vendor', 'other'] as const;
export type WorkspaceKind = (typeof WORKSPACE_KINDS)[number];

/** Roles a person has in one wedding. `planner`: everything; `viewer`: reads the shared schedule only. */
export const WEDDING_ROLES = ['planner', 'couple', 'vendor', 'viewer'] as const;
export type WeddingRole = (typeof WEDDING_ROLES)[number];

export const PersonId = z.string().regex(/^per_[A-Za-z0-9_-]{8,40}$/);
export const WorkspaceId = z.string().regex(/^wks_[A-Za-z0-9_-]{8,40}$/);

/** Lower-cased, trimmed e-mail address (the sign-in identity). */
export const Email = z.string().trim().toLowerCase().pipe(z.email().max(254));

export const Person = z.object({
  id: PersonId,
  /** Null for someone who joined by share link with just a name. */
  email: z.string().nullable(),
  name: z.string(),
  createdAt: z.number().int(),
});
export type Person = z.infer<typeof Person>;

export const Workspace = z.object({
  id: WorkspaceId,
  name: z.string(),
  kind: z.enum(WORKSPACE_KINDS),
  createdAt: z.number().int(),
});
export type Workspace = z.infer<typeof Workspace>;

export const WorkspaceMembership = z.object({ workspace: Workspace, role: z.enum(WORKSPACE_ROLES) });
export type WorkspaceMembership = z.infer<typeof WorkspaceMembership>;

export const Participant = z.object({
  id: z.string(),
  weddingId: z.string(),
  personId: z.string().nullable(),
  vendorWorkspaceId: z.string().nullable(),
  role: z.enum(WEDDING_ROLES),
  vendorId: z.string().nullable(),
  createdAt: z.number().int(),
});
export type Participant = z.infer<typeof Participant>;

/** What one person may do in one wedding, and why (for the app and for audits). */
export const WeddingAccess = z.object({
  weddingId: z.string(),
  role: z.enum(WEDDING_ROLES),
  /** For `vendor`: the vendor entry the person acts as. */
  vendorId: z.string().optional(),
  /** `workspace`: member of the wedding's workspace; `participant`: a participant row; `vendor_workspace`: member of the bound vendor workspace. */
  via: z.enum(['workspace', 'participant', 'vendor_workspace']),
});
export type WeddingAccess = z.infer<typeof WeddingAccess>;
