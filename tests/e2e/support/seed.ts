import type { WeddingConnection } from '../../../client/sdk/node.ts';

export const WEDDING_DATE = '2026-06-13';
export const TIME_ZONE = 'Europe/London';

/** A small wedding written through the SDK, as another peer (or an integration) would. */
export async function seedWedding(conn: WeddingConnection): Promise<void> {
  await conn.whenSynced();
  conn.doc.transact(() => {
    conn.doc.setMeta({ title: 'Ada & Grace', date: WEDDING_DATE, timezone: TIME_ZONE, venue: 'Kew Gardens', status: 'planning', weddingDayMode: false });
    conn.doc.upsertVendor({ id: 'ven_photo', name: 'Lens & Light', category: 'photographer', email: 'hello@lens.example', phone: '+44 20 7946 0000', preferredChannels: ['email'] });
    conn.doc.upsertVendor({ id: 'ven_flowers', name: 'Petal Co', category: 'florist', email: 'petal@example.com' });
    conn.doc.upsertEvent({ id: 'evt_prep', title: 'Getting ready', start: `${WEDDING_DATE}T10:00:00+01:00`, end: `${WEDDING_DATE}T12:00:00+01:00`, category: 'preparation', location: 'Cottage' });
    conn.doc.upsertEvent({ id: 'evt_ceremony', title: 'Ceremony', start: `${WEDDING_DATE}T14:00:00+01:00`, end: `${WEDDING_DATE}T14:45:00+01:00`, category: 'ceremony', location: 'Orangery', vendorIds: ['ven_photo', 'ven_flowers'] });
    conn.doc.upsertEvent({ id: 'evt_photos', title: 'Group photos', start: `${WEDDING_DATE}T14:45:00+01:00`, end: `${WEDDING_DATE}T15:30:00+01:00`, category: 'photos', location: 'Lawn', vendorIds: ['ven_photo'] });
  });
  await conn.whenAcknowledged();
}
