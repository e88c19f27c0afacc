import crypto from 'node:crypto';
import type { WeddingRole } from '../../schema/api/people.ts';
import type { Db } from '../storage/database.ts';
import { newId } from './people-store.ts';

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
 * conditional UPDATE, so two people racing for the last use of a link cannot both win.
 */
export class InvitationStore {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /** Creates an invitation; returns it with the token, which exists only in this answer and the link. */
  create(input: NewInvitation): { invitation: Invitation; token: string } {
    const token = crypto.randomBytes(32).toString('base64url');
    const invitation: Invitation = {
      id: newId('inv'), weddingId: input.weddingId, role: input.role, vendorId: input.vendorId ?? null, email: input.email?.trim().toLowerCase() || null,
      invitedBy: input.invitedBy, createdAt: this.now(), expiresAt: input.expiresAt, maxUses: input.maxUses, uses: 0, revokedAt: null,
    };
    this.db.prepare(`INSERT INTO invitations (id, wedding_id, token_hash, role, vendor_id, email, invited_by, created_at, expires_at, max_uses)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(invitation.id, invitation.weddingId, hashToken(token), invitation.role, invitation.vendorId,
      invitation.email, invitation.invitedBy, invitation.createdAt, invitation.expiresAt, invitation.maxUses);
    return { invitation, token };
  }

  /** A wedding's invitations, newest first (revoked ones included, with `revokedAt`). */
  listFor(weddingId: string): Invitation[] {
    return (this.db.prepare('SELECT * FROM invitations WHERE wedding_id = ? ORDER BY created_at DESC, id').all(weddingId) as Row[]).map(invitationOf);
  }

  /** Revokes one invitation of a wedding; false when the wedding has no such invitation. Revoking twice is not an error. */
  revoke(weddingId: string, invitationId: string): boolean {
    const row = this.db.prepare('SELECT revoked_at FROM invitations WHERE id = ? AND wedding_id = ?').get(invitationId, weddingId) as { revoked_at: number | null } | undefined;
    if (!row) return false;
    if (row.revoked_at === null) this.db.prepare('UPDATE invitations SET revoked_at = ? WHERE id = ?').run(this.now(), invitationId);
    return true;
  }

  /** The invitation a token opens, or why it opens nothing. */
  open(token: string): { invitation: Invitation } | { refused: InvitationRefusal } {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { refused: 'invitation_unknown' };
    const row = this.db.prepare('SELECT * FROM invitations WHERE token_hash = ?').get(hashToken(token)) as Row | undefined;
    if (!row) return { refused: 'invitation_unknown' };
    const invitation = invitationOf(row);
    if (invitation.revokedAt !== null) return { refused: 'invitation_unknown' };
    if (invitation.expiresAt <= this.now()) return { refused: 'invitation_expired' };
    if (invitation.uses >= invitation.maxUses) return { refused: 'invitation_used_up' };
    return { invitation };
  }

  /** Takes one use of a live invitation; false when it was revoked, expired or used up meanwhile. */
  takeUse(invitationId: string): boolean {
    return this.db.prepare('UPDATE invitations SET uses = uses + 1 WHERE id = ? AND revoked_at IS NULL AND expires_at > ? AND uses < max_uses')
      .run(invitationId, this.now()).changes > 0;
  }

  /** Gives a use back (the participant could not be added after all). */
  returnUse(invitationId: string): void {
    this.db.prepare('UPDATE invitations SET uses = uses - 1 WHERE id = ? AND uses > 0').run(invitationId);
  }
}

type Row = Record<string, unknown>;

const hashToken = (token: string): Buffer => crypto.createHash('sha256').update(token).digest();

const invitationOf = (r: Row): Invitation => ({
  id: r.id as string, weddingId: r.wedding_id as string, role: r.role as WeddingRole, vendorId: (r.vendor_id as string | null) ?? null,
  email: (r.email as string | null) ?? null, invitedBy: r.invited_by as string, createdAt: r.created_at as number,
  expiresAt: r.expires_at as number, maxUses: r.max_uses as number, uses: r.uses as number, revokedAt: (r.revoked_at as number | null) ?? null,
});
