import { dateInZone } from '../timeline/zoned-time.ts';

/**
 * The order weddings are listed in on a start page: the ones to come, soonest first (the next one is
 * what a planner opens most); then those with no date yet, by title; then those past, the most
 * recent first. Dates are the weddings' calendar dates (`YYYY-MM-DD`, their own zone's), compared
 * with `today` (the device's date, `YYYY-MM-DD`): a wedding today is still to come.
 */
export function weddingOrder(today: string) {
  const rank = (date: string | null | undefined) => (!date ? 1 : date >= today ? 0 : 2);
  return (a: { title?: string | null; date?: string | null; id: string }, b: { title?: string | null; date?: string | null; id: string }): number => {
    const ra = rank(a.date);
    const rb = rank(b.date);
    if (ra !== rb) return ra - rb;
    if (ra === 0 && a.date !== b.date) return a.date! < b.date! ? -1 : 1;
    if (ra === 2 && a.date !== b.date) return a.date! > b.date! ? -1 : 1;
    const byTitle = (a.title ?? '').localeCompare(b.title ?? '', undefined, { sensitivity: 'base' });
    return byTitle !== 0 ? byTitle : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  };
}

/** Today's date in `timeZone` (the device's, on a page of many weddings), `YYYY-MM-DD`. */
export function todayIn(timeZone: string, now = Date.now()): string {
  return dateInZone(new Date(now).toISOString(), timeZone);
}
