import type { InboundChange, RoutingHints } from '../core/index.ts';
import { parseDeliveryJson } from '../core/delivery-text.ts';
import { uuidOf, type CalendlyInvitee, type CalendlyScheduledEvent } from './client.ts';
import { ownValue } from '../../schema/own-keys.ts';

/** The timeline fields a Calendly booking sets (constant: the definition's and every instance's). */
export const CALENDLY_FIELDS = { timeline: ['title', 'start', 'end', 'location', 'category', 'vendorIds'] } as const;

/** A webhook delivery's body (https://developer.calendly.com/api-docs: "Webhook payload"). */
export interface CalendlyWebhookBody {
  event: string;
  created_at: string;
  created_by?: string;
  payload: CalendlyInvitee;
}

export interface MapContext {
  referenceQuestion: string;
  vendorId?: string | undefined;
  /** Invitee uuid → the URI of the first invitee of its booking (see `rootUriOf`). */
  roots: Readonly<Record<string, string>>;
}

/**
 * The first invitee of a booking that was rescheduled any number of times: Calendly gives every
 * reschedule a new invitee (and a new scheduled event), linked both ways by `old_invitee` and
 * `new_invitee`. The first one's uuid is the timeline event's external id, so every time of the
 * booking lands on the same entity whichever half of a reschedule comes first.
 */
export function rootOf(invitee: Pick<CalendlyInvitee, 'uri' | 'old_invitee'>, roots: Readonly<Record<string, string>>): string {
  return uuidOf(rootUriOf(invitee, roots));
}

/** The URI of the booking's first invitee (see `rootOf`). */
export function rootUriOf(invitee: Pick<CalendlyInvitee, 'uri' | 'old_invitee'>, roots: Readonly<Record<string, string>>): string {
  const own = ownValue(roots, uuidOf(invitee.uri));
  if (own) return own;
  if (invitee.old_invitee) return ownValue(roots, uuidOf(invitee.old_invitee)) ?? invitee.old_invitee;
  return invitee.uri;
}

/**
 * Which invitees (this one, its successor) belong to which booking, as invitee uuid → the first
 * invitee's URI: kept so the other half of a reschedule, or a later one, finds its booking.
 */
export function chainLinks(invitee: CalendlyInvitee, roots: Readonly<Record<string, string>>): Record<string, string> {
  const root = rootUriOf(invitee, roots);
  const links: Record<string, string> = { [uuidOf(invitee.uri)]: root };
  if (invitee.new_invitee) links[uuidOf(invitee.new_invitee)] = root;
  return links;
}

const clip = (s: string, max: number) => (s.length > max ? s.slice(0, max) : s);

/** An ISO instant (Calendly sends microseconds, `2027-06-12T13:00:00.000000Z`) as ISO 8601 UTC in ms. */
export function utc(value: string): string {
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  if (!Number.isFinite(ms)) throw new Error(`not an ISO 8601 time: ${value}`);
  return new Date(ms).toISOString();
}

/** `location.location` (an address, a phone number) or else `join_url` (a video call), '' when neither. */
export function locationOf(event: Pick<CalendlyScheduledEvent, 'location'>): string {
  const l = event.location;
  return clip(l?.location || l?.join_url || '', 300);
}

/** The wall date of `instant` in `zone` (ISO date), UTC when the zone is unknown. */
export function wallDate(instant: string, zone: string | null | undefined): string {
  try {
    if (zone) return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
  } catch { /* an unknown zone: fall back to UTC */ }
  return instant.slice(0, 10);
}

/** The answer to the configured booking question, or else the booking's first invitee URI. */
export function referenceOf(invitee: CalendlyInvitee, ctx: MapContext): string {
  const q = ctx.referenceQuestion.trim().toLowerCase();
  const answer = invitee.questions_and_answers?.find((x) => x.question?.trim().toLowerCase() === q)?.answer?.trim();
  if (answer) return clip(answer, 200);
  return rootUriOf(invitee, ctx.roots);
}

/** A booked (active) invitee of a scheduled event → the wedding's meeting. */
export function meetingChange(invitee: CalendlyInvitee, event: CalendlyScheduledEvent, ctx: MapContext): InboundChange {
  const start = utc(event.start_time);
  const end = utc(event.end_time);
  const eventName = event.name?.trim() || 'Calendly meeting';
  const who = invitee.name?.trim();
  const hints: RoutingHints = {
    date: wallDate(start, invitee.timezone),
    text: clip([who, eventName].filter(Boolean).join(' · '), 300),
    ...(invitee.timezone ? { timeZone: invitee.timezone } : {}),
  };
  return {
    op: 'upsert', entity: 'timeline', externalId: rootOf(invitee, ctx.roots),
    data: {
      title: clip(who ? `${eventName}: ${who}` : eventName, 200),
      start, end, location: locationOf(event), category: 'meeting',
      ...(ctx.vendorId ? { vendorIds: [ctx.vendorId] } : {}),
    },
    reference: referenceOf(invitee, ctx), hints,
  };
}

/**
 * One invitee as Calendly reports it (webhook or listing) → the change to the wedding:
 * active → upsert of the booking's meeting; canceled for a reschedule → nothing (its successor
 * moves the same meeting); canceled otherwise → delete. `event` is the invitee's scheduled event.
 */
export function inviteeChanges(invitee: CalendlyInvitee, event: CalendlyScheduledEvent | undefined, ctx: MapContext): InboundChange[] {
  if (invitee.status === 'canceled') {
    if (invitee.rescheduled || invitee.new_invitee) return [];
    return [{ op: 'delete', entity: 'timeline', externalId: rootOf(invitee, ctx.roots), reference: referenceOf(invitee, ctx) }];
  }
  if (!event) return [];
  return [meetingChange(invitee, event, ctx)];
}

/** A delivery's body, checked for the fields mapping needs; throws Error with the reason. */
export function parseWebhookBody(raw: string): CalendlyWebhookBody {
  let body: unknown;
  try {
    body = parseDeliveryJson(raw);
  } catch {
    throw new Error('the body is not JSON');
  }
  const b = body as Partial<CalendlyWebhookBody>;
  if (!b || typeof b !== 'object' || typeof b.event !== 'string' || !b.payload || typeof b.payload !== 'object') throw new Error('not a Calendly webhook: event and payload are required');
  if (b.event.startsWith('invitee.')) {
    const p = b.payload;
    if (typeof p.uri !== 'string') throw new Error('the invitee has no uri');
    if (b.event === 'invitee.created') {
      const e = p.scheduled_event;
      if (!e || typeof e.start_time !== 'string' || typeof e.end_time !== 'string' || !Number.isFinite(Date.parse(e.start_time)) || !Number.isFinite(Date.parse(e.end_time))) {
        throw new Error('invitee.created without scheduled_event start_time and end_time');
      }
    }
  }
  return b as CalendlyWebhookBody;
}

/** A webhook body → changes (invitee.created / invitee.canceled; other events map to none). */
export function webhookChanges(body: CalendlyWebhookBody, ctx: MapContext): InboundChange[] {
  if (body.event === 'invitee.created') return inviteeChanges({ ...body.payload, status: 'active' }, body.payload.scheduled_event, ctx);
  if (body.event === 'invitee.canceled') return inviteeChanges({ ...body.payload, status: 'canceled' }, body.payload.scheduled_event, ctx);
  return [];
}
