import { WeddingDoc, clientOrigin, isoInZone, resolveWallClock } from '../../schema/index.ts';
import type * as Y from 'yjs';
import { DEMO_CALENDAR } from './demo-sandboxes.ts';

/** The demo wedding's couple, vendors and day: a wedding about three months ahead, in London. */
export const DEMO_WEDDING = {
  title: 'Ana & Ben',
  timezone: DEMO_CALENDAR.timeZone,
  venue: 'Kew Barn',
  photographer: { id: 'photo', name: 'Lens & Light' },
  /** The photographer's fee (GBP, minor units), a 25 % deposit then the balance, requested through Stripe. */
  fee: 240_000,
} as const;

const DAY_MS = 86_400_000;

/** `date` (YYYY-MM-DD) at wall time `hm` (HH:MM) in `zone`, as ISO 8601 with the zone's offset. */
function at(date: string, hm: string, zone: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute] = hm.split(':').map(Number) as [number, number];
  return isoInZone(resolveWallClock({ year, month, day, hour, minute }, zone).ms, zone);
}
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The wedding's date (YYYY-MM-DD): the first Saturday at least `daysAhead` days from `now`. */
export function demoWeddingDate(now: number, daysAhead = 90): string {
  const from = now + daysAhead * DAY_MS;
  return isoDate(from + ((6 - new Date(from).getUTCDay() + 7) % 7) * DAY_MS);
}

/** The day as the planner starts it (wall times in the wedding's zone). */
const DAY: Array<{ id: string; title: string; from: string; to: string; category: 'ceremony' | 'photos' | 'meal' | 'preparation'; photo: boolean }> = [
  { id: 'getting-ready', title: 'Getting ready', from: '11:00', to: '13:00', category: 'preparation', photo: true },
  { id: 'ceremony', title: 'Ceremony', from: '14:00', to: '14:45', category: 'ceremony', photo: true },
  { id: 'family-photos', title: 'Family photos', from: '14:45', to: '15:30', category: 'photos', photo: true },
  { id: 'dinner', title: 'Dinner', from: '18:00', to: '20:00', category: 'meal', photo: false },
];

/**
 * Writes the demo wedding's details, vendors, couple and day into a new document, as `person` (by
 * name, so the activity trail and conflicts say who made the day, not a person id).
 */
export function seedDemoWedding(ydoc: Y.Doc, date: string, person: { id: string; name: string }): void {
  const doc = new WeddingDoc(ydoc);
  const origin = clientOrigin(person.id, { name: person.name, role: 'planner' });
  const zone = DEMO_WEDDING.timezone;
  doc.setMeta({ title: DEMO_WEDDING.title, date, timezone: zone, venue: DEMO_WEDDING.venue, status: 'planning' }, origin);
  doc.upsertVendor({ id: DEMO_WEDDING.photographer.id, name: DEMO_WEDDING.photographer.name, category: 'photographer', email: 'hello@lens-light.example', preferredChannels: ['email'], status: 'booked' }, origin);
  doc.upsertVendor({ id: 'venue', name: DEMO_WEDDING.venue, category: 'venue', email: 'events@kew-barn.example', preferredChannels: ['email'], status: 'booked' }, origin);
  doc.upsertContact({ id: 'couple', name: DEMO_WEDDING.title, role: 'couple', email: 'ana.ben@demo.example', preferredChannels: ['email'] }, origin);
  for (const e of DAY) {
    doc.upsertEvent({
      id: e.id, title: e.title, category: e.category, location: DEMO_WEDDING.venue,
      start: at(date, e.from, zone), end: at(date, e.to, zone),
      vendorIds: e.photo ? [DEMO_WEDDING.photographer.id, 'venue'] : ['venue'],
    }, origin);
  }
}
