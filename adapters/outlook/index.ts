import crypto from 'node:crypto';
import {
  AdapterError, parseAdapterConfig, parseDeliveryJson, sameField,
  type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type OutboundChange, type PullPage, type PushResult,
  type WebhookRequest, type WebhookVerdict, type WeddingContext, testedRemote,
} from '../core/index.ts';
import {
  CALENDAR_FIELDS, acceptsCalendarChange, pushCalendarChange, changedSinceBase, mergeFields, remoteInWeddingTerms,
  rfc3339Ms, timelineFieldsOf, timelineListing, toTimelineChange, weddingZone,
  type BusyInterval, type CalendarAdapter, type OutboundEvent,
} from '../core/calendar.ts';
import { positionAt } from '../core/snapshot-position.ts';
import { isKnownTimeZone } from '../core/calendar-time.ts';
import { GraphClient, type Subscription } from './client.ts';
import { OutlookConfiguration, OutlookCredentials } from './config.ts';
import { fromGraphEvent, keyOfTransaction, toGraphEvent, type GraphEvent } from './mappers.ts';

export const SYSTEM = 'outlook';
const FIELDS = CALENDAR_FIELDS.timeline;
const MAX_MERGE_ROUNDS = 3;
const DAY = 86_400_000;

interface OutlookState {
  subscription?: { id: string; expiration: number };
  /** A lifecycle notification asked for action (reauthorize, recreate); done at the next upkeep. */
  lifecycle?: 'reauthorizationRequired' | 'subscriptionRemoved';
  weddingTimeZone?: string;
}

interface Notification {
  subscriptionId?: string;
  clientState?: string;
  changeType?: string;
  lifecycleEvent?: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';
  resourceData?: { id?: string };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * Outlook / Microsoft 365 calendars through Microsoft Graph: `calendarView/delta` with
 * `@odata.nextLink`/`@odata.deltaLink` (410 → full resync, `@removed` → deletions), change
 * notification subscriptions (validationToken handshake, clientState check, renewal, lifecycle
 * notifications), writes with `transactionId` (idempotent creates) and `If-Match` (412 → merge).
 */
export function createOutlookAdapter(input: AdapterInput): CalendarAdapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', OutlookConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', OutlookCredentials, input.credentials);
  const { runtime } = input;
  // One Graph client (and access token) per account and mailbox, shared by the connection's
  // instances: a calendar bound to many weddings refreshes one token, not one per wedding.
  const sharedKey = `outlook:${JSON.stringify([credentials, config.authorityUrl, config.apiBaseUrl, config.userId ?? null, config.calendarId ?? null])}`;
  const client = (runtime.shared?.get(sharedKey) as GraphClient | undefined) ?? new GraphClient(credentials, config, runtime.fetch, runtime.now, runtime.saveCredentials);
  runtime.shared?.set(sharedKey, client);
  const inbound = config.syncDirection !== 'outbound';
  const outbound = config.syncDirection !== 'inbound';
  const capabilities: Capability[] = [
    ...(inbound ? ['pull' as const, ...(config.subscribe ? ['webhook' as const, 'watch' as const] : [])] : []),
    ...(outbound ? ['push' as const] : []),
  ];
  // clientState: up to 128 characters, secret to us and Graph; derived so nothing extra is stored.
  const clientState = crypto.createHmac('sha256', runtime.webhookSecret).update('graph-client-state').digest('base64url');

  const state = () => runtime.state.get() as OutlookState;
  const setState = (patch: Partial<OutlookState>) => runtime.state.set({ ...state(), ...patch });
  const readZone = () => state().weddingTimeZone ?? config.timeZone ?? 'UTC';
  const rememberZone = (wedding: WeddingContext) => {
    const zone = weddingZone(wedding);
    if (isKnownTimeZone(wedding.meta.timezone) && state().weddingTimeZone !== zone) setState({ weddingTimeZone: zone });
  };
  const toChange = (ev: GraphEvent): InboundChange | null => toTimelineChange(fromGraphEvent(ev, readZone()), { weddingId: runtime.weddingId, options: config, zone: readZone() });

  /** The window of the full read in progress (its later pages are opaque next links). */
  let fullWindow: { from: string; to: string } | undefined;

  async function stillThere(id: string): Promise<InboundChange | null> {
    try {
      return toChange(await client.getEvent(id));
    } catch (error) {
      if (error instanceof AdapterError && error.code === 'gone') return { op: 'delete', entity: 'timeline', externalId: id };
      throw error;
    }
  }

  async function subscribe(): Promise<void> {
    const expiration = runtime.now() + config.subscriptionMinutes * 60_000;
    const sub = await client.createSubscription({
      changeType: 'created,updated,deleted', notificationUrl: runtime.webhookUrl, lifecycleNotificationUrl: runtime.webhookUrl,
      resource: client.eventsResource, expirationDateTime: new Date(expiration).toISOString(), clientState,
    });
    setState({ subscription: { id: sub.id, expiration: Date.parse(sub.expirationDateTime) || expiration }, lifecycle: undefined });
  }

  async function upkeep(): Promise<void> {
    if (!inbound || !config.subscribe) return;
    const { subscription, lifecycle } = state();
    if (!subscription || lifecycle === 'subscriptionRemoved') return subscribe();
    const due = subscription.expiration - runtime.now() <= config.renewBeforeMinutes * 60_000;
    if (!due && lifecycle !== 'reauthorizationRequired') return;
    try {
      // Renewing also reauthorizes (Graph docs, lifecycle notifications).
      const renewed = await client.renewSubscription(subscription.id, new Date(runtime.now() + config.subscriptionMinutes * 60_000).toISOString());
      setState({ subscription: { id: renewed.id, expiration: Date.parse(renewed.expirationDateTime) }, lifecycle: undefined });
    } catch (error) {
      // Expired or removed on Graph's side: make a new one.
      if (error instanceof AdapterError && (error.extra.status === 404 || error.code === 'gone')) return subscribe();
      throw error;
    }
  }

  async function create(e: OutboundEvent, change: OutboundChange): Promise<PushResult> {
    // A retried POST with the same transactionId returns the event the first attempt created,
    // which may hold older content: bring it up to date.
    const ev = await client.createEvent(toGraphEvent(e));
    const id = ev.id ?? null;
    const local = change.data ?? {};
    const remote = remoteInWeddingTerms(timelineFieldsOf(fromGraphEvent(ev, readZone()), 'UTC'), e);
    const stale = id !== null && FIELDS.some((f) => f in remote && f in local && !sameField(f, local[f], remote[f]));
    if (stale) return update(id, e, { ...change, base: null, version: ev['@odata.etag'] ?? null });
    return { externalId: id, version: ev['@odata.etag'] ?? null, ...written(ev) };
  }

  async function update(id: string, e: OutboundEvent, change: OutboundChange): Promise<PushResult> {
    const local = change.data ?? {};
    let fields = changedSinceBase(FIELDS, local, change.base);
    let etag = change.version;
    let unwritten: string[] = [];
    let categories: string[] | undefined;
    // The snapshot the merge read: with nothing to write, the event stays as it was then.
    let current: GraphEvent | undefined;
    // Our category replaces only our own entry in `categories`: read the owner's first.
    let read = fields.includes('category');
    for (let round = 0; ; round++) {
      if (read) {
        current = await client.getEvent(id);
        const remote = remoteInWeddingTerms(timelineFieldsOf(fromGraphEvent(current, readZone()), 'UTC'), e);
        ({ write: fields, unwritten } = mergeFields(FIELDS, local, remote, change.base));
        etag = current['@odata.etag'] ?? null;
        categories = current.categories ?? [];
      }
      if (fields.length === 0) return { externalId: id, version: etag, unwritten, ...(current ? written(current) : {}) };
      try {
        const ev = await client.patchEvent(id, toGraphEvent(e, fields, categories), etag);
        return { externalId: id, version: ev['@odata.etag'] ?? null, unwritten, ...written(ev) };
      } catch (error) {
        if (!(error instanceof AdapterError && error.code === 'precondition_failed') || round >= MAX_MERGE_ROUNDS) {
          if (error instanceof AdapterError && error.extra.status === 404) {
            throw new AdapterError('gone', `outlook event ${id} was deleted in the calendar; the deletion comes in with the next pull`, { status: 404, cause: error });
          }
          throw error;
        }
      }
      read = true;
    }
  }

  /** The event's place in its history as a push left it (its `lastModifiedDateTime`): PushResult `position`. */
  const written = (ev: GraphEvent) => positionAt(rfc3339Ms(ev.lastModifiedDateTime));

  const adapter: CalendarAdapter = {
    system: SYSTEM,
    category: 'calendar_system',
    capabilities,
    fields: CALENDAR_FIELDS,
    calendarOptions: config,

    async testConnection() {
      const { body } = await client.getCalendar();
      // GET …/calendar and …/calendars/{id} both answer with the calendar's id, however it was reached.
      return body.id ? testedRemote(body.id, body.name) : undefined;
    },

    verifyWebhook(request: WebhookRequest): WebhookVerdict {
      // Subscription validation: echo the token, in plain text, within 10 seconds.
      const validationToken = new URL(request.url).searchParams.get('validationToken');
      if (validationToken !== null) {
        return { ok: true, eventId: `validation:${validationToken.slice(0, 64)}`, ignore: true, reply: { status: 200, body: validationToken, headers: { 'content-type': 'text/plain' } } };
      }
      let items: Notification[];
      try {
        items = (parseDeliveryJson(request.rawBody) as { value?: Notification[] }).value ?? [];
      } catch {
        return { ok: false, code: 'invalid_payload', message: 'not a Microsoft Graph change notification (JSON with a value array)' };
      }
      if (!Array.isArray(items) || items.length === 0) return { ok: false, code: 'invalid_payload', message: 'a change notification collection needs a non-empty value array' };
      if (!items.every((n) => typeof n === 'object' && n !== null && !Array.isArray(n))) return { ok: false, code: 'invalid_payload', message: 'every item of a change notification collection must be an object' };
      if (!items.every((n) => typeof n.clientState === 'string' && sameSecret(n.clientState, clientState))) {
        return { ok: false, code: 'signature_invalid', message: 'clientState does not match this subscription' };
      }
      const eventId = `graph:${crypto.createHash('sha256').update(request.rawBody).digest('base64url')}`;
      const lifecycle = items.map((n) => n.lifecycleEvent).filter((x): x is NonNullable<Notification['lifecycleEvent']> => !!x);
      const act = lifecycle.find((l) => l === 'subscriptionRemoved') ?? lifecycle.find((l) => l === 'reauthorizationRequired');
      if (act) {
        setState({ lifecycle: act });
        // Acted on now, not at the next scheduled upkeep: notifications stop until it is done.
        void upkeep().catch(() => undefined);
      }
      // Only reauthorization needs nothing pulled; removed subscriptions and missed notifications may hide changes.
      if (lifecycle.length === items.length && lifecycle.every((l) => l === 'reauthorizationRequired')) return { ok: true, eventId, ignore: true, reply: { status: 202 } };
      return { ok: true, eventId, reply: { status: 202 } };
    },

    parseWebhook() {
      // Notifications without resource data name the event only: read what changed with delta.
      return { changes: [], pull: true };
    },

    // The bridge starts a full read with no cursor; a cursor in a full read is the next page.
    async pull({ cursor, full }): Promise<PullPage> {
      const now = runtime.now();
      if (!cursor) fullWindow = { from: new Date(now - config.windowPastDays * DAY).toISOString(), to: new Date(now + config.windowFutureDays * DAY).toISOString() };
      const url = cursor ?? client.deltaStart(fullWindow!.from, fullWindow!.to);
      const { body } = await client.delta(url);
      const changes: InboundChange[] = [];
      for (const ev of body.value ?? []) {
        // NOTE: Graph also reports events changed *outside* the calendarView window as `@removed`
        // (docs: event-delta, "Response"); only one that is really gone is a deletion.
        const c = ev['@removed'] && ev.id ? await stillThere(ev.id) : toChange(ev);
        if (c) changes.push(c);
      }
      // A round from deltaStart lists every event of the window, and only those: absence means deleted only inside it.
      const listing = full && fullWindow
        ? { listing: timelineListing((body.value ?? []).filter((ev) => !ev['@removed'] && ev.id).map((ev) => ev.id!), fullWindow) }
        : {};
      if (body['@odata.nextLink']) return { changes, cursor: body['@odata.nextLink'], more: true, ...listing };
      return { changes, cursor: body['@odata.deltaLink'] ?? null, more: false, ...listing };
    },

    async confirmAbsent(_entity, ids) {
      const gone: string[] = [];
      for (const id of ids) if ((await stillThere(id))?.op === 'delete') gone.push(id);
      return gone;
    },

    accepts(change) {
      return acceptsCalendarChange(config, change);
    },

    async push(change, { wedding }): Promise<PushResult> {
      rememberZone(wedding);
      return pushCalendarChange(config, change, wedding, { create, update, remove: (id: string) => client.deleteEvent(id) });
    },

    async activate() {
      if (inbound && config.subscribe && !state().subscription) await subscribe();
    },

    async deactivate() {
      const sub = state().subscription;
      setState({ subscription: undefined });
      if (sub) await client.deleteSubscription(sub.id);
    },

    maintain: upkeep,

    pushLive() {
      const { subscription, lifecycle } = state();
      // 'reauthorizationRequired': Graph stops sending notifications until the next renewal.
      return inbound && config.subscribe && !!subscription && subscription.expiration > runtime.now() && lifecycle === undefined;
    },

    async busy({ from, to }): Promise<BusyInterval[]> {
      const out: BusyInterval[] = [];
      let next: string | undefined;
      do {
        const { body } = await client.calendarView(from, to, next);
        for (const ev of body.value ?? []) {
          if (keyOfTransaction(ev.transactionId)) continue;
          const e = fromGraphEvent(ev, readZone());
          if (e.cancelled || e.transparent || e.startMs === undefined) continue;
          out.push({ externalId: e.externalId, start: new Date(e.startMs).toISOString(), end: new Date(e.endMs ?? e.startMs).toISOString(), ...(e.title ? { title: e.title } : {}) });
        }
        next = body['@odata.nextLink'];
      } while (next);
      return out;
    },
  };
  return adapter;
}

export const outlookAdapter: AdapterDefinition = {
  namesRemote: true,
  system: SYSTEM,
  fields: CALENDAR_FIELDS,
  category: 'calendar_system',
  capabilities: ['pull', 'webhook', 'watch', 'push'],
  description: 'Outlook / Microsoft 365 calendars through Microsoft Graph: delta sync, change notifications, busy times.',
  configuration: OutlookConfiguration,
  create: createOutlookAdapter,
  servesManyWeddings: true,
  remoteKeys: ['userId', 'calendarId'],
};

export type { Subscription };
