import type { WeddingConnection } from '../../../client/sdk/node.ts';
import { EVENT_CATEGORIES } from '../../../schema/index.ts';
import { WEDDING_DATE } from './seed.ts';

/**
 * `count` events spread over the wedding day (07:00 to 23:59 London time), with locations,
 * vendors and notes, written in one transaction like an import would.
 */
export async function seedLargeWedding(conn: WeddingConnection, count: number): Promise<void> {
  await conn.whenSynced();
  conn.doc.transact(() => {
    conn.doc.setMeta({ title: 'The big day', date: WEDDING_DATE, timezone: 'Europe/London', venue: 'Castle', status: 'final_details', weddingDayMode: false });
    for (let v = 0; v < 20; v++) conn.doc.upsertVendor({ id: `ven_${v}`, name: `Vendor ${v}`, category: 'other', email: `v${v}@example.com` });
    const dayStart = Date.parse(`${WEDDING_DATE}T07:00:00+01:00`);
    const span = 17 * 60 * 60_000;
    for (let i = 0; i < count; i++) {
      const start = new Date(dayStart + Math.floor((span * i) / count)).toISOString();
      const end = new Date(Date.parse(start) + 30 * 60_000).toISOString();
      conn.doc.upsertEvent({
        id: `evt_${String(i).padStart(3, '0')}`, title: `Event ${i + 1}`, start, end, location: `Room ${i % 12}`,
        category: EVENT_CATEGORIES[i % EVENT_CATEGORIES.length], vendorIds: [`ven_${i % 20}`], notes: `Notes for event ${i + 1}. `.repeat(3),
      });
    }
  });
  await conn.whenAcknowledged();
}
