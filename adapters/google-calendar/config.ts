import { z } from 'zod';
import { CalendarSyncOptions } from '../core/calendar.ts';

export const GoogleCalendarConfiguration = CalendarSyncOptions.extend({
  /** The calendar to sync: `primary` or a calendar id (an e-mail-like id). @default primary */
  calendarId: z.string().min(1).max(256).default('primary'),
  /** API root, for a sandbox or a proxy. @default https://www.googleapis.com/ */
  apiBaseUrl: z.url({ protocol: /^https?$/ }).default('https://www.googleapis.com/'),
  /** OAuth token endpoint (refresh and service-account grants). @default https://oauth2.googleapis.com/token */
  tokenUrl: z.url({ protocol: /^https?$/ }).default('https://oauth2.googleapis.com/token'),
  /** Receive push notifications through an `events.watch` channel (else changes are pulled on a schedule). @default true */
  watch: z.boolean().default(true),
  /** Lifetime asked for each watch channel, seconds. @default 604800 (a week, Google's usual maximum) */
  watchTtlSeconds: z.number().int().min(60).max(2_592_000).default(604_800),
  /** Renew a channel this long before it expires, seconds. @default 3600 */
  renewBeforeSeconds: z.number().int().min(10).max(86_400).default(3600),
  /** `maxResults` per page of `events.list`. @default 250 (Google's default; 2500 at most) */
  pageSize: z.number().int().min(1).max(2500).default(250),
}).strict();
export type GoogleCalendarConfiguration = z.infer<typeof GoogleCalendarConfiguration>;

const OAuthUser = z.object({
  /** A current access token (optional when a refresh token and client are given). */
  accessToken: z.string().min(1).optional(),
  /** When the access token expires (ms since the epoch); an expired token is refreshed before use. */
  expiryDate: z.number().int().optional(),
  refreshToken: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
}).strict().refine((c) => c.accessToken || (c.refreshToken && c.clientId && c.clientSecret), {
  message: 'give accessToken, or refreshToken with clientId and clientSecret',
});

const ServiceAccount = z.object({
  /** A service account key (the JSON Google issues), used with domain-wide delegation or a shared calendar. */
  serviceAccount: z.object({
    client_email: z.email(),
    private_key: z.string().includes('PRIVATE KEY', { message: 'a PEM private key' }),
  }).passthrough(),
  /** The user to act as (domain-wide delegation). */
  subject: z.email().optional(),
}).strict();

export const GoogleCalendarCredentials = z.union([ServiceAccount, OAuthUser]);
export type GoogleCalendarCredentials = z.infer<typeof GoogleCalendarCredentials>;

export const GOOGLE_SCOPES = ['https://www.googleapis.com/auth/calendar'];
