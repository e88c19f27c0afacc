import { z } from 'zod';
import { BudgetTotals, Currency } from '../document/entities.ts';
import { ErrorBody } from './common.ts';
import type { RouteContract } from './routes.ts';

/**
 * The demo (docs/operations.md#demo): with DEMO=1 or `npm start -- --demo`, the server runs
 * VSCO Workspace (Táve), Google Calendar and Stripe sandboxes in its own process and connects a
 * demo studio to them. These routes exist only then (404 otherwise), so they are listed apart from
 * ROUTES (whose walks run against servers without the demo). `GET /api/demo` answers on every
 * server, `{ enabled: false, … }` without the demo.
 */

/** One event as the Google Calendar sandbox holds it (what the studio's calendar shows). */
export const DemoCalendarEvent = z.object({
  id: z.string(),
  title: z.string(),
  /** RFC 3339 with the offset Google answers with. */
  start: z.string(),
  end: z.string(),
  location: z.string(),
  /** When Google last changed it (RFC 3339, UTC). */
  updated: z.string(),
});
export type DemoCalendarEvent = z.infer<typeof DemoCalendarEvent>;

export const DemoWedding = z.object({
  id: z.string(),
  title: z.string(),
  /** YYYY-MM-DD, `""` when not known yet. */
  date: z.string(),
  timezone: z.string(),
  /** Made by the hub from an inquiry in VSCO Workspace (Táve), not set up by the demo. */
  fromInquiry: z.boolean(),
});
export type DemoWedding = z.infer<typeof DemoWedding>;

/** What the demo's owner sees: the studio's weddings, its Google calendar and the demo wedding's budget. */
export const DemoStory = z.object({
  workspaceId: z.string(),
  /** The wedding the demo set up (its timeline is on the Google calendar, its photographer's deposit on Stripe). */
  weddingId: z.string(),
  weddings: z.array(DemoWedding),
  calendar: z.object({ name: z.string(), timeZone: z.string(), events: z.array(DemoCalendarEvent) }),
  budget: z.record(Currency, BudgetTotals),
  /** Open Stripe invoices of the demo wedding a simulated payment can pay. */
  openInvoices: z.number().int(),
  /** The Google Calendar sandbox refuses every change the hub sends (POST /api/demo/refusal): a sandbox-only switch. */
  refusing: z.boolean(),
  /** Changes to the demo wedding a system refused for good (its dead letters), waiting for Replay in its Integrations. */
  refused: z.number().int(),
});
export type DemoStory = z.infer<typeof DemoStory>;

/** The steps of setting the demo up, in order (DemoService `start`). */
export const DEMO_SETUP_STEPS = ['sandboxes', 'studio', 'vsco', 'google', 'stripe', 'payments'] as const;
export const DemoSetupStep = z.enum(DEMO_SETUP_STEPS);
export type DemoSetupStep = z.infer<typeof DemoSetupStep>;

/** `GET /api/demo`. */
export const DemoStatus = z.object({
  /** DEMO=1 or `--demo`: the demo's other routes exist (without it they answer 404). */
  enabled: z.boolean(),
  /** Whether the caller may press "Try the demo" now (see docs/operations.md#demo for who may). */
  canStart: z.boolean(),
  /** Set up in this server process (the sandboxes live in memory and start again empty after a restart). */
  running: z.boolean(),
  /** Only for the demo's owner. */
  story: DemoStory.nullable(),
  /**
   * While the demo is being set up, the step under way (one of DEMO_SETUP_STEPS); null otherwise.
   * Anyone may see it: it names no person, and lets the page that pressed "Try the demo" say how far it got.
   */
  setup: z.object({ step: DemoSetupStep }).nullable(),
});
export type DemoStatus = z.infer<typeof DemoStatus>;

export const DemoStartResponse = z.object({ workspaceId: z.string(), weddingId: z.string() });
export const DemoInquiryResponse = z.object({ couple: z.string(), date: z.string() });
export const DemoPaymentResponse = z.object({ invoiceId: z.string(), amount: z.number().int(), currency: Currency });
/** `POST /api/demo/refusal`: whether the Google Calendar sandbox should refuse the changes the hub sends. */
export const DemoRefusalBody = z.object({ refusing: z.boolean() });
export const DemoRefusalResponse = DemoRefusalBody;

const errors = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const DEMO_ROUTES: RouteContract[] = [
  { method: 'get', path: '/api/demo', summary: 'Whether the demo is on and may be started, and for its owner the story so far', auth: 'none', responses: { 200: DemoStatus } },
  { method: 'post', path: '/api/demo/start', summary: 'Start the sandboxes and set up the demo studio (first run: no one signed up yet, or the first person signed in); signs in a demo planner when nobody is', auth: 'none', responses: { 201: DemoStartResponse, ...errors } },
  { method: 'post', path: '/api/demo/inquiry', summary: 'Simulate: a couple fill in the studio\'s contact form, a new inquiry in VSCO Workspace (Táve)', auth: 'session', responses: { 200: DemoInquiryResponse, ...errors } },
  { method: 'post', path: '/api/demo/refusal', summary: 'Sandbox only: make the Google Calendar sandbox refuse (400) every change the hub sends, or stop refusing, so a change becomes a dead letter to replay', auth: 'session', body: DemoRefusalBody, responses: { 200: DemoRefusalResponse, 400: ErrorBody, ...errors } },
  { method: 'post', path: '/api/demo/payment', summary: 'Simulate: the couple pay the next open Stripe invoice of the demo wedding', auth: 'session', responses: { 200: DemoPaymentResponse, ...errors } },
];
