import crypto from 'node:crypto';
import { deliver, json, type SandboxRequest, type SandboxResponse } from '../core/sandbox-server.ts';
import { sandboxFetch } from '../core/sandbox-sender.ts';
import type { GraphEvent } from './mappers.ts';
import { graphError, parseGraphBody } from './sandbox-graph.ts';

export interface GraphSubscription {
  id: string; resource: string; changeType: string; notificationUrl: string; lifecycleNotificationUrl?: string; clientState?: string;
  expiration: number; userId: string; calendarId: string; removed: boolean;
}

/** A mailbox as subscriptions need it; `mailbox` throws when the user is unknown. */
interface Mailboxes { mailbox(userId: string): { id: string; defaultCalendar: string } }

/** Longest subscription for Outlook resources, minutes (Graph: 10080). */
export const MAX_SUBSCRIPTION_MINUTES = 10_080;

/**
 * The Graph sandbox's change notifications (`/subscriptions`): create with the validationToken
 * handshake on the notification and lifecycle URLs, renew (PATCH), reauthorize, delete; change
 * notifications for a subscribed calendar, and lifecycle notifications on demand. Notifications
 * can be held back (`pause`) and sent later (`resume`), as for a subscriber that is unreachable.
 */
export class GraphSubscriptions {
  private readonly subs = new Map<string, GraphSubscription>();
  /** Every notification sent, with the subscriber's answer. */
  readonly notifications: { subscriptionId: string; kind: string; status: number }[] = [];
  private paused = false;
  private held: (() => void)[] = [];

  constructor(private readonly now: () => number, private readonly baseUrl: () => string, private readonly mailboxes: Mailboxes) {}

  /** Subscriptions neither removed nor expired. */
  live(): GraphSubscription[] { return [...this.subs.values()].filter((s) => !s.removed && s.expiration > this.now()); }
  pause(): void { this.paused = true; }
  resume(): void {
    this.paused = false;
    for (const send of this.held.splice(0)) send();
  }

  /** Sends a lifecycle notification; `subscriptionRemoved` also removes the subscription. */
  async lifecycle(subscriptionId: string, lifecycleEvent: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed'): Promise<number> {
    const s = this.subs.get(subscriptionId);
    if (!s || !s.lifecycleNotificationUrl) throw new Error(`no subscription ${subscriptionId} with a lifecycle URL`);
    if (lifecycleEvent === 'subscriptionRemoved') s.removed = true;
    const status = await deliver(s.lifecycleNotificationUrl, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [{ subscriptionId: s.id, subscriptionExpirationDateTime: new Date(s.expiration).toISOString(), tenantId: 'sandbox-tenant', clientState: s.clientState, lifecycleEvent }] }),
    });
    this.notifications.push({ subscriptionId: s.id, kind: lifecycleEvent, status });
    return status;
  }

  /** A change to `event` of a mailbox's calendar: a notification to each live subscription of that calendar and change type. */
  notify(userId: string, calendarId: string, event: GraphEvent, changeType: string): void {
    for (const s of this.live()) {
      if (s.userId !== userId || s.calendarId !== calendarId || !s.changeType.split(',').includes(changeType)) continue;
      const resource = `Users/${userId}/Events/${event.id}`;
      const body = JSON.stringify({ value: [{
        id: crypto.randomBytes(8).toString('base64url'), subscriptionId: s.id, subscriptionExpirationDateTime: new Date(s.expiration).toISOString(),
        changeType, resource, clientState: s.clientState, tenantId: 'sandbox-tenant',
        resourceData: { '@odata.type': '#Microsoft.Graph.Event', '@odata.id': resource, '@odata.etag': event['@odata.etag'], id: event.id },
      }] });
      const send = () => void deliver(s.notificationUrl, { headers: { 'content-type': 'application/json' }, body }).then((status) => this.notifications.push({ subscriptionId: s.id, kind: changeType, status }));
      if (this.paused) this.held.push(send); else setImmediate(send);
    }
  }

  /** `/subscriptions[/{id}[/reauthorize]]`, already authenticated (`tokenUser`: the delegated user, null for an app token). */
  async api(req: SandboxRequest, rest: string, tokenUser: string | null): Promise<SandboxResponse> {
    const m = /^\/subscriptions(?:\/([^/]+)(\/reauthorize)?)?$/.exec(rest);
    if (!m) return graphError(400, 'BadRequest', 'Unsupported subscriptions request');
    const id = m[1] ? decodeURIComponent(m[1]) : null;
    if (!id && req.method === 'POST') return this.subscribe(req, tokenUser);
    const s = id ? this.subs.get(id) : undefined;
    if (!s || s.removed || s.expiration <= this.now()) return graphError(404, 'ResourceNotFound', `The object was not found.`);
    if (m[2] && req.method === 'POST') return { status: 204 };
    if (req.method === 'DELETE') { s.removed = true; return { status: 204 }; }
    if (req.method === 'PATCH') {
      const body = parseGraphBody(req.body) as { expirationDateTime?: string } | null;
      const exp = Date.parse(body?.expirationDateTime ?? '');
      if (!Number.isFinite(exp) || exp > this.now() + MAX_SUBSCRIPTION_MINUTES * 60_000) return graphError(400, 'ExtensionError', 'Subscription expiration can only be 10070 minutes in the future.');
      s.expiration = exp;
      return json(200, this.subJson(s));
    }
    if (req.method === 'GET') return json(200, this.subJson(s));
    return graphError(405, 'MethodNotAllowed', 'Method not allowed');
  }

  private subJson(s: GraphSubscription) {
    return {
      '@odata.context': `${this.baseUrl()}/$metadata#subscriptions/$entity`, id: s.id, resource: s.resource, applicationId: 'sandbox-app', changeType: s.changeType,
      clientState: s.clientState ?? null, notificationUrl: s.notificationUrl, lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
      expirationDateTime: new Date(s.expiration).toISOString(), creatorId: s.userId, includeResourceData: false, latestSupportedTlsVersion: 'v1_2',
      encryptionCertificate: null, encryptionCertificateId: null, notificationUrlAppId: null,
    };
  }

  private async subscribe(req: SandboxRequest, tokenUser: string | null): Promise<SandboxResponse> {
    const body = parseGraphBody(req.body) as Partial<GraphSubscription> & { expirationDateTime?: string } | null;
    if (!body?.changeType || !body.notificationUrl || !body.resource || !body.expirationDateTime) return graphError(400, 'ExtensionError', 'changeType, notificationUrl, resource and expirationDateTime are required.');
    const exp = Date.parse(body.expirationDateTime);
    if (!Number.isFinite(exp) || exp <= this.now() || exp > this.now() + MAX_SUBSCRIPTION_MINUTES * 60_000) return graphError(400, 'ExtensionError', 'Subscription expiration can only be 10070 minutes in the future.');
    if (body.clientState && body.clientState.length > 128) return graphError(400, 'ExtensionError', 'clientState is limited to 128 characters.');
    const r = /^\/?(?:me|users\/([^/]+))\/(?:calendars\/([^/]+)\/)?events$/i.exec(body.resource);
    const userId = r?.[1] ? decodeURIComponent(r[1]) : tokenUser;
    let box: { id: string; defaultCalendar: string };
    try { box = this.mailboxes.mailbox(userId ?? ''); } catch { return graphError(400, 'ExtensionError', `Resource '${body.resource}' is not supported.`); }
    // Both URLs must echo a validation token, in plain text, before the subscription exists.
    for (const url of [body.notificationUrl, body.lifecycleNotificationUrl].filter((u): u is string => !!u)) {
      const token = `Validation: Testing client application reachability for subscription Request-Id: ${crypto.randomUUID()}`;
      const target = new URL(url);
      target.searchParams.set('validationToken', token);
      try {
        const res = await sandboxFetch(target, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '', signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        if (res.status !== 200 || text !== token || !(res.headers.get('content-type') ?? '').startsWith('text/plain')) {
          return graphError(400, 'ValidationError', `Subscription validation request failed. Response must exactly match validationToken query parameter. (${res.status})`);
        }
      } catch (error) {
        return graphError(400, 'ValidationError', `Subscription validation request failed: ${(error as Error).message}`);
      }
    }
    const s: GraphSubscription = {
      id: crypto.randomUUID(), resource: body.resource, changeType: body.changeType, notificationUrl: body.notificationUrl, lifecycleNotificationUrl: body.lifecycleNotificationUrl,
      clientState: body.clientState, expiration: exp, userId: box.id, calendarId: r?.[2] ? decodeURIComponent(r[2]) : box.defaultCalendar, removed: false,
    };
    this.subs.set(s.id, s);
    return json(201, this.subJson(s));
  }
}
