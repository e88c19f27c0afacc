import { z } from 'zod';
import { ConflictStrategies, EntityId } from '../../schema/index.ts';

/** Acuity's dynamic webhook events (https://developers.acuityscheduling.com/page/webhooks-webhooks-webhooks) this adapter subscribes to. */
export const ACUITY_EVENTS = ['appointment.scheduled', 'appointment.rescheduled', 'appointment.canceled', 'appointment.changed'] as const;
export type AcuityEvent = (typeof ACUITY_EVENTS)[number];

export const ACUITY_API_BASE = 'https://acuityscheduling.com/api/v1';

/** HTTP Basic credentials of the Acuity API (Integrations → API): the numeric user id and the API key. */
export const AcuityCredentials = z.object({
  userId: z.union([z.string().regex(/^\d{1,20}$/, 'the numeric Acuity user id'), z.number().int().positive()]).transform(String),
  /** Also the key Acuity signs webhooks with (`X-Acuity-Signature`). */
  apiKey: z.string().min(8, 'the Acuity API key').max(200),
}).strict();
export type AcuityCredentials = z.infer<typeof AcuityCredentials>;

export const AcuityConfiguration = z.object({
  /** Where the API is, for the local sandbox or a proxy. @default https://acuityscheduling.com/api/v1 */
  apiBase: z.url({ protocol: /^https?$/ }).default(ACUITY_API_BASE),
  /** Only appointments on this calendar (Acuity `calendarID`). @default every calendar */
  calendarID: z.number().int().positive().optional(),
  /** Only appointments of these types (Acuity `appointmentTypeID`), e.g. consultations and shoots. @default every type */
  appointmentTypeIDs: z.array(z.number().int().positive()).max(100).optional(),
  /**
   * The intake-form field whose answer names the couple's booking, matched by its name (case and
   * spacing ignored) or by its numeric `fieldID`: its value is the appointment's reference, routed
   * to the wedding bound with that reference. @default "Wedding reference"
   */
  referenceField: z.union([z.string().trim().min(1).max(100), z.number().int().positive()]).default('Wedding reference'),
  /** Create the dynamic webhooks (`POST /webhooks`) when connected; off when a static webhook is set in Acuity. @default true */
  registerWebhooks: z.boolean().default(true),
  /** How far back a pull reads, days. @default 30 */
  lookbackDays: z.number().int().min(0).max(3650).default(30),
  /** How far ahead a pull reads, days (weddings are booked a year or two out). @default 730 */
  horizonDays: z.number().int().min(1).max(3650).default(730),
  /** Appointments per request (`max`). @default 100 */
  pageSize: z.number().int().min(1).max(1000).default(100),
  /** The vendor entry appointments are assigned to in each wedding. */
  vendorId: EntityId.optional(),
  /** `outbound`/`bidirectional`: a moved timeline event reschedules its appointment. @default bidirectional */
  direction: z.enum(['bidirectional', 'inbound', 'outbound']).default('bidirectional'),
  conflictStrategies: ConflictStrategies.optional(),
}).strict();
export type AcuityConfiguration = z.infer<typeof AcuityConfiguration>;
