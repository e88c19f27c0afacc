import { z } from 'zod';
import { CalendarSyncOptions } from '../core/calendar.ts';

export const CalDavConfiguration = CalendarSyncOptions.extend({
  /** Where discovery starts (`/.well-known/caldav`), e.g. https://caldav.icloud.com. */
  serverUrl: z.url({ protocol: /^https?$/ }),
  /** The calendar collection URL; when absent, the calendar is found by `calendarName` (or the first one). */
  calendarUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Display name of the calendar to sync. @default the first calendar holding events */
  calendarName: z.string().min(1).max(200).optional(),
  /** Objects fetched per calendar-multiget. @default 100 */
  multigetBatch: z.number().int().min(1).max(1000).default(100),
}).strict();
export type CalDavConfiguration = z.infer<typeof CalDavConfiguration>;

export const CalDavCredentials = z.union([
  /** Basic authentication (iCloud: the Apple ID and an app-specific password). */
  z.object({ username: z.string().min(1), password: z.string().min(1) }).strict(),
  /** A bearer token (servers with OAuth). */
  z.object({ bearerToken: z.string().min(1) }).strict(),
]);
export type CalDavCredentials = z.infer<typeof CalDavCredentials>;
