import { canOpenWedding } from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { Commitment } from './overlaps.ts';

/**
 * Which connected calendars a caller sees in a vendor's availability and overlaps, by binding id:
 * `own` (its busy times with their titles and binding), `seen` (busy times only), null (left out).
 */
export type CalendarReach = (integrationId: string) => 'own' | 'seen' | null;

/** What deciding it reads of the bindings. */
export interface ReachStore {
  get(id: string): Promise<{ connectionId: string } | undefined>;
  listForConnection(connectionId: string): Promise<readonly { weddingId: string }[]>;
}

/**
 * A vendor entry's id (`photo`) names a vendor within a wedding, not a business across weddings:
 * another business's `photo` in a wedding the caller does not open is not the caller's vendor. So a
 * connected calendar counts for a caller only when its connection serves a wedding the caller opens
 * (admins: every calendar): its busy times are shown, and to the vendor itself (a vendor token for
 * `vendorId`) its titles and binding too. The calendars of connections serving only weddings the
 * caller cannot open are left out: neither their times, titles nor ids.
 */
export async function calendarReach(store: ReachStore, p: Principal, vendorId: string, commitments: readonly Commitment[]): Promise<CalendarReach> {
  if (p.role === 'admin') return () => 'own';
  const reach = new Map<string, 'own' | 'seen' | null>();
  const serves = new Map<string, boolean>();
  for (const c of commitments) {
    if (c.kind !== 'calendar' || reach.has(c.integrationId)) continue;
    const binding = await store.get(c.integrationId);
    if (binding && !serves.has(binding.connectionId)) {
      serves.set(binding.connectionId, (await store.listForConnection(binding.connectionId)).some((b) => canOpenWedding(p, b.weddingId)));
    }
    const open = binding ? serves.get(binding.connectionId) === true : false;
    reach.set(c.integrationId, !open ? null : p.role === 'vendor' && p.vendorId === vendorId ? 'own' : 'seen');
  }
  return (id) => reach.get(id) ?? null;
}
