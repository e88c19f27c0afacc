import { z } from 'zod';
import { CalendarSyncOptions } from '../core/calendar.ts';

export const OutlookConfiguration = CalendarSyncOptions.extend({
  /** Microsoft Graph root, for a sandbox or a national cloud. @default https://graph.microsoft.com/v1.0 */
  apiBaseUrl: z.url({ protocol: /^https?$/ }).default('https://graph.microsoft.com/v1.0'),
  /** Microsoft identity platform authority. @default https://login.microsoftonline.com */
  authorityUrl: z.url({ protocol: /^https?$/ }).default('https://login.microsoftonline.com'),
  /** The mailbox for app-only access (`/users/{userId}`); delegated tokens use `/me`. */
  userId: z.string().min(1).max(256).optional(),
  /** A calendar id; @default the mailbox's default calendar */
  calendarId: z.string().min(1).max(512).optional(),
  /**
   * The calendarView window delta sync tracks, days before and after today. Graph reports events
   * that leave the window as removed, so it spans every date a wedding could be on. @default 30 / 1095
   */
  windowPastDays: z.number().int().min(0).max(3650).default(30),
  windowFutureDays: z.number().int().min(1).max(3650).default(1095),
  /** Receive change notifications through a Graph subscription. @default true */
  subscribe: z.boolean().default(true),
  /** Lifetime asked for each subscription, minutes (Graph allows at most 10080 for events). @default 4320 */
  subscriptionMinutes: z.number().int().min(5).max(10_080).default(4320),
  /** Renew this long before expiry, minutes. @default 720 */
  renewBeforeMinutes: z.number().int().min(1).max(5000).default(720),
  /** `Prefer: odata.maxpagesize`. @default 100 */
  pageSize: z.number().int().min(1).max(1000).default(100),
}).strict();
export type OutlookConfiguration = z.infer<typeof OutlookConfiguration>;

export const OutlookCredentials = z.union([
  z.object({
    /** Delegated: a refresh token from the authorization-code flow (scope offline_access Calendars.ReadWrite). */
    tenantId: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    refreshToken: z.string().min(1),
    /** The access token the code exchange gave, used until `expiryDate` (less a minute), then refreshed. */
    accessToken: z.string().min(1).optional(),
    /** When `accessToken` expires, ms since the epoch. */
    expiryDate: z.number().int().optional(),
  }).strict(),
  z.object({
    /** App-only (client credentials, Calendars.ReadWrite application permission); needs configuration.userId. */
    tenantId: z.string().min(1),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
  }).strict(),
  z.object({
    /** A ready access token (short-lived; for trials and tests). */
    accessToken: z.string().min(1),
  }).strict(),
]);
export type OutlookCredentials = z.infer<typeof OutlookCredentials>;
