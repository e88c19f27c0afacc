import type { BusyInterval } from './calendar.ts';
import type { Adapter } from './types.ts';
import type { SystemCategory } from '../../schema/index.ts';

/**
 * Systems whose connections can hold a vendor's busy time: calendars, and booking tools (Calendly,
 * Acuity) whose bookings are appointments the vendor has.
 */
export const BUSY_CATEGORIES: ReadonlySet<SystemCategory> = new Set<SystemCategory>(['calendar_system', 'booking_system']);

/** An adapter that reports busy time (a calendar adapter, a booking tool's). */
export interface BusySource extends Adapter {
  /** Busy blocks between `from` and `to` (ISO instants), excluding events WedSync put there. */
  busy(range: { from: string; to: string }): Promise<BusyInterval[]>;
}

export function isBusySource(adapter: Adapter): adapter is BusySource {
  return BUSY_CATEGORIES.has(adapter.category) && typeof (adapter as Partial<BusySource>).busy === 'function';
}
