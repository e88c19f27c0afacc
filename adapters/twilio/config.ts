import { z } from 'zod';

const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number, e.g. +447700900123');

export const TwilioCredentials = z.object({
  accountSid: z.string().regex(/^AC[0-9a-f]{32}$/, 'a Twilio Account SID: AC followed by 32 hex digits'),
  /** Signs Twilio's callbacks (X-Twilio-Signature) as well as authenticating our calls. */
  authToken: z.string().regex(/^[0-9a-f]{32}$/, 'a Twilio auth token: 32 hex digits'),
}).strict();
export type TwilioCredentials = z.infer<typeof TwilioCredentials>;

export const TwilioConfiguration = z.object({
  /** The SMS sender: a Twilio number, or a Messaging Service (`MG…`). Without it, SMS is not offered. */
  smsFrom: z.union([E164, z.string().regex(/^MG[0-9a-f]{32}$/)]).optional(),
  /** The WhatsApp sender (an approved WhatsApp number). Without it, WhatsApp is not offered. */
  whatsappFrom: E164.optional(),
  /** Country code for numbers written without one (`44` turns `07700 900123` into `+447700900123`). */
  defaultCountryCode: z.string().regex(/^[1-9]\d{0,3}$/).optional(),
  /** Twilio region and edge (`ie1`, `dublin`): the client then calls `api.<edge>.<region>.twilio.com`. */
  region: z.string().regex(/^[a-z]{2}\d$/).optional(),
  edge: z.string().regex(/^[a-z-]{2,20}$/).optional(),
  /**
   * Where the Twilio REST API is, for the local sandbox or a proxy (`http://127.0.0.1:4010`): the
   * client's requests go there through its request client. @default https://api.twilio.com
   */
  apiBase: z.url({ protocol: /^https?$/ }).optional(),
  /** Ask for signed status callbacks (delivered, undelivered) on every send. @default true */
  statusCallbacks: z.boolean().default(true),
}).strict().refine((c) => c.smsFrom || c.whatsappFrom, { message: 'give smsFrom, whatsappFrom or both', path: ['smsFrom'] });
export type TwilioConfiguration = z.infer<typeof TwilioConfiguration>;
