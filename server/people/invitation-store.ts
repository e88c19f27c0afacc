import crypto from 'node:crypto';
import type { WeddingRole } from '../../schema/api/people.ts';
import type { Db } from '../storage/database.ts';
import { numberOrNull } from '../storage/row-values.ts';
import { newId } from './people-rows.ts';

/** One invitation or share link (schema/migrations/018_invitations.sql). Times in ms since the epoch, UTC. */
export interface Invitation {
  id: string;
  weddingId: string;
  role: WeddingRole;
  vendorId: string | null;
  /** The invited address; null for a share link. */
  email: string | null;
  invitedBy: string;
  createdAt: number;
  expiresAt: number;
  maxUses: number;
  uses: number;
  revokedAt: number | null;
}

export interface NewInvitation {
  weddingId: string;
  role: WeddingRole;
  vendorId?: string;
  email?: string | null;
  invitedBy: string;
  expiresAt: number;
  maxUses: number;
}

/** Why a token opens nothing: unknown (or revoked — not told apart, so a revoked link reveals nothing), expired, used up. */
export type InvitationRefusal = 'invitation_unknown' | 'invitation_expired' | 'invitation_used_up';

/**
 * Invitations and share links. The token in the link is 32 random bytes (base64url); only its
 * SHA-256 is stored, so a copy of the database accepts nothing. A use is taken with one
 * conditional UPDATE, so two people racing for the last use of a link cannot both win. Both
 * backends (SqliteInvitationStore here, PostgresInvitationStore) keep this contract; times are ms
 * since the epoch, UTC.
 */
export interface InvitationStore {
  /** Creates an invitation; returns it with the token, which exists only in this answer and the link. */
  create(input: NewInvitation): Promise<{ invitation: Invitation; token: string }>;
  /** A wedding's invitations, newest first (revoked ones included, with `revokedAt`). */
  listFor(weddingId: string): Promise<Invitation[]>;
  /** Revokes one invitation of a wedding; false when the wedding has no such invitation. Revoking twice is not an error. */
  revoke(weddingId: string, invitationId: string): Promise<boolean>;
  /** The invitation a token opens, or why it opens nothing. */
  open(token: string): Promise<{ invitation: Invitation } | { refused: InvitationRefusal }>;
  /** Takes one use of a live invitation; false when it was revoked, expired or used up meanwhile. */
  takeUse(invitationId: string): Promise<boolean>;
  /** Gives a use back (the participant could not be added after all). */
  returnUse(invitationId: string): Promise<void>;
}

/** A new invitation and its token (not yet stored). */
export function newInvitation(input: NewInvitation, now: number): { invitation: Invitation; token: string; tokenHash: Buffer } {
  const token = crypto.randomBytes(32).toString('base64url');
  const invitation: Invitation = {
    id: newId('inv'), weddingId: input.weddingId, role: input.role, vendorId: input.vendorId ?? null, email: input.email?.trim().toLowerCase() || null,
    invitedBy: input.invitedBy, createdAt: now, expiresAt: input.expiresAt, maxUses: input.maxUses, uses: 0, revokedAt: null,
  };
  return { invitation, token, tokenHash: hashToken(token) };
}

/** The token's stored hash, or null when the token is not shaped like one (it opens nothing). */
export const invitationTokenHash = (token: string): Buffer | null => (/^[A-Za-z0-9_-]{43}$/.test(token) ? hashToken(token) : null);

/** What a stored invitation opens at `now`. */
export function opened(invitation: Invitation | undefined, now: number): { invitation: Invitation } | { refused: InvitationRefusal } {
  if (!invitation || invitation.revokedAt !== null) return { refused: 'invitation_unknown' };
  if (invitation.expiresAt <= now) return { refused: 'invitation_expired' };
  if (invitation.uses >= invitation.maxUses) return { refused: 'invitation_used_up' };
  return { invitation };
}

/** Invitations on the embedded SQLite database. */
export class SqliteInvitationStore implements InvitationStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  async create(input: NewInvitation): Promise<{ invitation: Invitation; token: string }> {
    const { invitation, token, tokenHash } = newInvitation(input, this.now());
    this.db.prepare(`INSERT INTO invitations (id, wedding_id, token_hash, role, vendor_id, email, invited_by, created_at, expires_at, max_uses)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(invitation.id, invitation.weddingId, tokenHash, invitation.role, invitation.vendorId,
      invitation.email, invitation.invitedBy, invitation.createdAt, invitation.expiresAt, invitation.maxUses);
    return { invitation, token };
  }

  async listFor(weddingId: string): Promise<Invitation[]> {
    return (this.db.prepare('SELECT * FROM invitations WHERE wedding_id = ? ORDER BY created_at DESC, id').all(weddingId) as Row[]).map(invitationOf);
  }

  async revoke(weddingId: string, invitationId: string): Promise<boolean> {
    const row = this.db.prepare('SELECT revoked_at FROM invitations WHERE id = ? AND wedding_id = ?').get(invitationId, weddingId) as { revoked_at: number | null } | undefined;
    if (!row) return false;
    if (row.revoked_at === null) this.db.prepare('UPDATE invitations SET revoked_at = ? WHERE id = ?').run(this.now(), invitationId);
    return true;
  }

  async open(token: string): Promise<{ invitation: Invitation } | { refused: InvitationRefusal }> {
    const tokenHash = invitationTokenHash(token);
    const row = tokenHash && this.db.prepare('SELECT * FROM invitations WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return opened(row ? invitationOf(row) : undefined, this.now());
  }

  async takeUse(invitationId: string): Promise<boolean> {
    return this.db.prepare('UPDATE invitations SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND uses < max_uses')
      .run(invitationId, this.now()).changes > 0;
  }

  async returnUse(invitationId: string): Promise<void> {
    this.db.prepare('UPDATE invitations SET uses = uses - 1 WHERE id = ? AND uses > 0').run(invitationId);
  }
}

type Row = Record<string, unknown>;

const hashToken = (token: string): Buffer => crypto.createHash('sha256').update(token).digest();

/** A stored row as an Invitation; both backends' rows (PostgreSQL's bigints arrive as text). */
export const invitationOf = (r: Row): Invitation => ({
  id: r.id as string, weddingId: r.wedding_id as string, role: r.role as WeddingRole, vendorId: (r.vendor_id as string | null) ?? null,
  email: (r.email as string | null) ?? null, invitedBy: r.invited_by as string, createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at), maxUses: Number(r.max_uses), uses: Number(r.uses), revokedAt: numberOrNull(r.revoked_at),
});
