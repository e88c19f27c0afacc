/**
 * Every transaction on a wedding document carries one of these origins, so observers can tell who
 * made a change: an adapter never pushes back a change whose origin is itself.
 */
export type TxOrigin =
  | { readonly kind: 'client'; readonly userId: string; readonly name?: string; readonly role?: string }
  | { readonly kind: 'adapter'; readonly system: string; readonly integrationId: string }
  | { readonly kind: 'admin'; readonly action: string; readonly userId?: string; readonly name?: string; readonly role?: string }
  | { readonly kind: 'system'; readonly reason?: string };

export const TX_ORIGIN_KINDS = ['client', 'adapter', 'admin', 'system'] as const;

export function isTxOrigin(value: unknown): value is TxOrigin {
  if (typeof value !== 'object' || value === null || !('kind' in value)) return false;
  const v = value as Record<string, unknown>;
  switch (v.kind) {
    case 'client':
      return typeof v.userId === 'string';
    case 'adapter':
      return typeof v.system === 'string' && typeof v.integrationId === 'string';
    case 'admin':
      return typeof v.action === 'string';
    case 'system':
      return true;
    default:
      return false;
  }
}

/** Who a person is, as change attribution shows them: the token's display name and role. */
export interface PersonDetails {
  name?: string | undefined;
  role?: string | undefined;
}

const details = (who?: PersonDetails) => ({ ...(who?.name ? { name: who.name } : {}), ...(who?.role ? { role: who.role } : {}) });

export const clientOrigin = (userId: string, who?: PersonDetails): TxOrigin => ({ kind: 'client', userId, ...details(who) });
export const adapterOrigin = (system: string, integrationId: string): TxOrigin => ({ kind: 'adapter', system, integrationId });
export const adminOrigin = (action: string, userId?: string, who?: PersonDetails): TxOrigin => ({ kind: 'admin', action, ...(userId ? { userId } : {}), ...details(who) });
export const systemOrigin = (reason?: string): TxOrigin => ({ kind: 'system', ...(reason ? { reason } : {}) });

