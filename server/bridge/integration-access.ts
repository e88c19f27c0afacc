import { canOpenWedding } from '../../schema/index.ts';
import { AuthError, assertApiReader } from '../auth/auth-error.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Integration } from './integration-store.ts';

/**
 * Who may read and manage a wedding's integrations (bindings). Throws AuthError `wedding_forbidden`
 * when the token does not open the wedding, `role_forbidden` for roles that only read.
 */
export function assertRead(p: Principal, weddingId: string): void {
  if (!canOpenWedding(p, weddingId)) throw new AuthError('wedding_forbidden', `this token does not open wedding ${weddingId}`);
  assertApiReader(p.role, 'integrations API');
}

/** Admins and planners manage every system of the wedding; a vendor only the ones bound to its own vendor entry. */
export function canManage(p: Principal, weddingId: string, vendorId: string | null): boolean {
  if (!canOpenWedding(p, weddingId)) return false;
  if (p.role === 'admin' || p.role === 'planner') return true;
  return p.role === 'vendor' && !!p.vendorId && vendorId === p.vendorId;
}

export function assertManage(p: Principal, weddingId: string, vendorId: string | null): void {
  assertRead(p, weddingId);
  if (!canManage(p, weddingId, vendorId)) {
    throw new AuthError('role_forbidden', p.role === 'vendor' ? 'vendors manage only their own systems (the token\'s vendorId)' : `the ${p.role} role cannot manage integrations`);
  }
}

/** A vendor sees only the integrations bound to its vendor entry. */
export function visible(p: Principal, i: Integration): boolean {
  return p.role !== 'vendor' || (!!p.vendorId && i.vendorId === p.vendorId);
}

/** The vendor entry a connect or bind request acts for: the one given, else a vendor token's own. */
export function vendorOf(p: Principal, given: string | undefined): string | null {
  return given ?? (p.role === 'vendor' ? p.vendorId ?? null : null);
}

/**
 * GET …/wedding/:id/conflicts: planners and admins of the wedding only (AuthError as assertRead, or
 * `role_forbidden`): a conflict holds both values of any field (payments, contacts), which the
 * couple's and vendors' views of the wedding never show (docs/audiences.md).
 */
export function assertConflictsReader(p: Principal, weddingId: string): void {
  assertRead(p, weddingId);
  if (p.role !== 'admin' && p.role !== 'planner') throw new AuthError('role_forbidden', `conflicts are for the wedding's planners: the ${p.role} role does not see them`);
}
