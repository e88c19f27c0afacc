import crypto from 'node:crypto';
import { parseDeliveryJson } from '../core/delivery-text.ts';
import { VSCO_HOOK_EVENTS, type VscoHookEvent } from './config.ts';

/**
 * Authenticating REST hook deliveries. VSCO Workspace documents no signature, timestamp or replay
 * protection for REST hooks (https://workspace.vsco.co/api, "REST Hook"), so the URL subscribed
 * with `POST /rest-hook` carries a secret: `?token=` HMAC-SHA256(connection's webhook secret,
 * "vsco-workspace-rest-hook"), base64url. Only VSCO (and whoever can read the subscription with
 * the studio's API key) knows it; it is compared in constant time. Replays are answered once:
 * a delivery's id is its event and target (`job.created:<job id>`), recorded by the bridge.
 */
export function hookToken(webhookSecret: string): string {
  return crypto.createHmac('sha256', webhookSecret).update('vsco-workspace-rest-hook').digest('base64url');
}

export interface HookDelivery {
  event: VscoHookEvent;
  targetId: string;
  /** The delivery's id for de-duplication: event and target (VSCO sends no delivery id of its own). */
  eventId: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A delivery's body → its event and target id. The public docs name the events but not the body;
 * accepted: `{ event, data: { id } }`, `{ event, id }`, `{ event, resourceId }`, `{ event, payload: { id } }`
 * (`type` for `event`). Null for anything else.
 */
export function parseHookDelivery(rawBody: string): HookDelivery | null {
  let body: unknown;
  try {
    body = parseDeliveryJson(rawBody);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const b = body as Record<string, unknown>;
  const event = typeof b.event === 'string' ? b.event : typeof b.type === 'string' ? b.type : '';
  if (!(VSCO_HOOK_EVENTS as readonly string[]).includes(event)) return null;
  const nested = (k: string) => (b[k] && typeof b[k] === 'object' ? (b[k] as Record<string, unknown>).id : undefined);
  const target = [nested('data'), b.id, b.resourceId, nested('payload')].find((v) => typeof v === 'string' && ID.test(v)) as string | undefined;
  if (!target) return null;
  return { event: event as VscoHookEvent, targetId: target, eventId: `${event}:${target}` };
}
