import type pg from 'pg';
import {
  invitationOf, invitationTokenHash, newInvitation, opened,
  type Invitation, type InvitationRefusal, type InvitationStore, type NewInvitation,
} from './invitation-store.ts';

/**
 * Invitations and share links on PostgreSQL (schema/migrations/postgres/009_sign_in.sql), so a link
 * made through one instance opens through any: the same contract as SqliteInvitationStore. A use is
 * taken by one conditional UPDATE, which PostgreSQL re-checks on the locked row: people racing for
 * the last use through different instances get one success between them. Times are ms since the
 * epoch, UTC. Statements reject with the pg error.
 */
export class PostgresInvitationStore implements InvitationStore {
  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now) {}

  async create(input: NewInvitation): Promise<{ invitation: Invitation; token: string }> {
    const { invitation, token, tokenHash } = newInvitation(input, this.now());
    await this.pool.query(`INSERT INTO invitations (id, wedding_id, token_hash, role, vendor_id, email, invited_by, created_at, expires_at, max_uses)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [invitation.id, invitation.weddingId, tokenHash, invitation.role, invitation.vendorId,
      invitation.email, invitation.invitedBy, invitation.createdAt, invitation.expiresAt, invitation.maxUses]);
    return { invitation, token };
  }

  async listFor(weddingId: string): Promise<Invitation[]> {
    // COLLATE "C": ties on created_at fall back to the id's bytes, as SQLite's BINARY collation orders them.
    const { rows } = await this.pool.query('SELECT * FROM invitations WHERE wedding_id = $1 ORDER BY created_at DESC, id COLLATE "C"', [weddingId]);
    return rows.map((r) => invitationOf(r as Record<string, unknown>));
  }

  async revoke(weddingId: string, invitationId: string): Promise<boolean> {
    // The first revocation's time stays; a second one only confirms the invitation exists.
    const done = await this.pool.query('UPDATE invitations SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND wedding_id = $3',
      [this.now(), invitationId, weddingId]);
    return (done.rowCount ?? 0) > 0;
  }

  async open(token: string): Promise<{ invitation: Invitation } | { refused: InvitationRefusal }> {
    const tokenHash = invitationTokenHash(token);
    const row = tokenHash ? (await this.pool.query('SELECT * FROM invitations WHERE token_hash = $1', [tokenHash])).rows[0] as Record<string, unknown> | undefined : undefined;
    return opened(row ? invitationOf(row) : undefined, this.now());
  }

  async takeUse(invitationId: string): Promise<boolean> {
    const done = await this.pool.query('UPDATE invitations SET uses = uses + 1 WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2 AND uses < max_uses',
      [invitationId, this.now()]);
    return (done.rowCount ?? 0) > 0;
  }

  async returnUse(invitationId: string): Promise<void> {
    await this.pool.query('UPDATE invitations SET uses = uses - 1 WHERE id = $1 AND uses > 0', [invitationId]);
  }
}
