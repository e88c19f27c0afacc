import type { TimelineEventInput } from '../../../sdk/index.ts';
import { isoInZone, localInputToMs } from './zoned-time.ts';

interface TemplateEvent {
  title: string;
  category: TimelineEventInput['category'] & string;
  /** Minutes from the ceremony's start. */
  from: number;
  minutes: number;
  notes?: string;
  /** Not at the wedding's venue (getting ready at home or a hotel, carriages): no location. */
  elsewhere?: true;
}

/**
 * A standard wedding day around the ceremony: getting ready in the morning to carriages after
 * midnight. Planners adjust it; it only saves typing the usual shape.
 */
export const STANDARD_DAY: readonly TemplateEvent[] = [
  { title: 'Hair and makeup', category: 'preparation', from: -300, minutes: 180, elsewhere: true },
  { title: 'Venue set-up', category: 'vendor_setup', from: -240, minutes: 180, notes: 'Florist and caterer arrive; tables and chairs out.' },
  { title: 'Getting dressed', category: 'preparation', from: -120, minutes: 60, elsewhere: true },
  { title: 'Guests arrive', category: 'other', from: -30, minutes: 30 },
  { title: 'Ceremony', category: 'ceremony', from: 0, minutes: 45 },
  { title: 'Drinks reception', category: 'cocktail_hour', from: 45, minutes: 90 },
  { title: 'Group photos', category: 'photos', from: 60, minutes: 60, notes: 'Family groups first, then the wedding party.' },
  { title: 'Wedding breakfast', category: 'meal', from: 150, minutes: 120 },
  { title: 'Speeches', category: 'speeches', from: 270, minutes: 45 },
  { title: 'Evening guests arrive', category: 'other', from: 390, minutes: 30 },
  { title: 'First dance', category: 'first_dance', from: 420, minutes: 15 },
  { title: 'Evening party', category: 'entertainment', from: 435, minutes: 165 },
  { title: 'Carriages', category: 'transport', from: 600, minutes: 30, elsewhere: true },
  { title: 'Venue clear-down', category: 'teardown', from: 630, minutes: 60 },
];

/** `HH:MM` for the ceremony; the default when the planner has not chosen one. */
export const DEFAULT_CEREMONY = '14:00';

/**
 * The template's events on `date` (`YYYY-MM-DD`) with the ceremony at `ceremony` (`HH:MM`, the
 * wedding's wall time in `timeZone`), ids from `newId`, the events held at the venue located at
 * `venue` (the wedding's, '' for none). Empty when the date or time is not valid.
 */
export function standardDay(date: string, ceremony: string, timeZone: string, newId: () => string, venue = ''): TimelineEventInput[] {
  const at = localInputToMs(`${date}T${ceremony}`, timeZone);
  if (Number.isNaN(at)) return [];
  return STANDARD_DAY.map((t, i) => ({
    id: newId(),
    title: t.title,
    category: t.category,
    start: isoInZone(at + t.from * 60_000, timeZone),
    end: isoInZone(at + (t.from + t.minutes) * 60_000, timeZone),
    notes: t.notes ?? '',
    location: t.elsewhere ? '' : venue,
    order: i,
  }));
}
