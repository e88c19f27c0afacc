import crypto from 'node:crypto';
import {
  AdapterError, parseAdapterConfig,
  type AdapterDefinition, type AdapterInput, type Capability, type InboundChange, type OutboundChange, type PullPage, type PushResult,
  type WebhookRequest, type WebhookVerdict, type WeddingContext, testedRemote,
} from '../core/index.ts';
import {
  CALENDAR_FIELDS, acceptsCalendarChange, pushCalendarChange, changedSinceBase, mergeFields, parseEventKey, remoteInWeddingTerms,
  rfc3339Ms, timelineFieldsOf, timelineListing, toTimelineChange, weddingZone,
  type BusyInterval, type CalendarAdapter, type OutboundEvent,
} from '../core/calendar.ts';
import { positionAt } from '../core/snapshot-position.ts';
import { isKnownTimeZone } from '../core/calendar-time.ts';
import { GoogleCalendarClient } from './client.ts';
import { GoogleCalendarConfiguration, GoogleCalendarCredentials } from './config.ts';
import { decodeCursor, encodeCursor, fromGoogleEvent, toGoogleEvent, type GoogleEvent } from './mappers.ts';

export const SYSTEM = 'google-calendar';
const FIELDS = CALENDAR_FIELDS.timeline;
const MAX_MERGE_ROUNDS = 3;

interface Channel { id: string; resourceId: string; expiration: number }
interface GoogleState { channel?: Channel; weddingTimeZone?: string; calendarTimeZone?: string }

/** The secret a channel's notifications carry in X-Goog-Channel-Token: derived, so nothing secret is stored. */
function channelToken(secret: string, channelId: string): string {
  return crypto.createHmac('sha256', secret).update(`google-channel:${channelId}`).digest('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * Google Calendar through the googleapis client: incremental sync with sync tokens (410 → full
 * resync), push notifications through `events.watch` channels, writes with our own stable event
 * ids and `If-Match` etags (412 → re-read, merge field by field, retry).
 */
export function createGoogleCalendarAdapter(input: AdapterInput): CalendarAdapter {
  const config = parseAdapterConfig(SYSTEM, 'configuration', GoogleCalendarConfiguration, input.configuration);
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', GoogleCalendarCredentials, input.credentials);
  const { runtime } = input;
  const client = new GoogleCalendarClient({ credentials, config, fetch: runtime.fetch, now: runtime.now, shared: runtime.shared, onRotated: runtime.saveCredentials });
  const inbound = config.syncDirection !== 'outbound';
  const outbound = config.syncDirection !== 'inbound';
  const capabilities: Capability[] = [
    ...(inbound ? ['pull' as const, ...(config.watch ? ['webhook' as const, 'watch' as const] : [])] : []),
    ...(outbound ? ['push' as const] : []),
  ];

  const state = () => runtime.state.get() as GoogleState;
  const setState = (patch: Partial<GoogleState>) => runtime.state.set({ ...state(), ...patch });
  /** Imported times are written in the wedding's zone once a push has told us what it is. */
  const readZone = (eventZone: string | null) => state().weddingTimeZone ?? config.timeZone ?? eventZone ?? state().calendarTimeZone ?? 'UTC';
  const rememberZone = (wedding: WeddingContext) => {
    const zone = weddingZone(wedding);
    if (isKnownTimeZone(wedding.meta.timezone) && state().weddingTimeZone !== zone) setState({ weddingTimeZone: zone });
  };

  const toChange = (ev: GoogleEvent): InboundChange | null => {
    const e = fromGoogleEvent(ev, state().calendarTimeZone ?? 'UTC');
    return toTimelineChange(e, { weddingId: runtime.weddingId, options: config, zone: readZone(e.zone) });
  };

  async function startWatch(): Promise<void> {
    const id = `wedsync-${crypto.randomUUID()}`;
    const res = await client.watch({ id, type: 'web_hook', address: runtime.webhookUrl, token: channelToken(runtime.webhookSecret, id), params: { ttl: String(config.watchTtlSeconds) } });
    setState({ channel: { id, resourceId: res.resourceId ?? '', expiration: Number(res.expiration ?? runtime.now() + config.watchTtlSeconds * 1000) } });
  }

  async function stopWatch(channel: Channel | undefined): Promise<void> {
    if (channel) await client.stop({ id: channel.id, resourceId: channel.resourceId });
  }

  /** Creates the event under its stable id; a 409 means an earlier attempt (or an earlier life) created it. */
  async function create(e: OutboundEvent, change: OutboundChange): Promise<PushResult> {
    try {
      const ev = await client.insert(toGoogleEvent(e));
      return { externalId: ev.id ?? e.key, version: ev.etag ?? null, ...written(ev) };
    } catch (error) {
      if (!(error instanceof AdapterError && error.extra.status === 409)) throw error;
    }
    const existing = await client.get(e.key);
    if (existing.status === 'cancelled') {
      // Deleted before (it left this calendar's scope, or was removed): bring it back.
      const ev = await client.update(e.key, { ...toGoogleEvent(e), status: 'confirmed' }, existing.etag ?? null);
      return { externalId: e.key, version: ev.etag ?? null, ...written(ev) };
    }
    return update(e.key, e, { ...change, version: existing.etag ?? null }, existing);
  }

  /** Patches the fields that changed since the last sync; after a 412 re-reads and merges. */
  async function update(id: string, e: OutboundEvent, change: OutboundChange, current?: GoogleEvent): Promise<PushResult> {
    const local = change.data ?? {};
    let fields = changedSinceBase(FIELDS, local, change.base);
    let etag = change.version;
    let unwritten: string[] = [];
    // The snapshot the merge read: with nothing to write, the event stays as it was then.
    let read: GoogleEvent | undefined = current;
    if (current) ({ fields, unwritten, etag } = merge(current, e, local, change));
    for (let round = 0; ; round++) {
      if (fields.length === 0) return { externalId: id, version: etag, unwritten, ...(read ? written(read) : {}) };
      try {
        const ev = await client.patch(id, toGoogleEvent(e, fields), etag);
        return { externalId: id, version: ev.etag ?? null, unwritten, ...written(ev) };
      } catch (error) {
        if (!(error instanceof AdapterError && error.code === 'precondition_failed') || round >= MAX_MERGE_ROUNDS) throw error;
      }
      read = await client.get(id);
      ({ fields, unwritten, etag } = merge(read, e, local, change));
    }
  }

  function merge(current: GoogleEvent, e: OutboundEvent, local: Record<string, unknown>, change: OutboundChange): { fields: string[]; unwritten: string[]; etag: string | null } {
    if (current.status === 'cancelled') throw new AdapterError('gone', `google-calendar event ${current.id} was deleted in the calendar; the deletion comes in with the next pull`, { status: 410 });
    const remote = fromGoogleEvent(current, state().calendarTimeZone ?? 'UTC');
    const { write, unwritten } = mergeFields(FIELDS, local, remoteInWeddingTerms(timelineFieldsOf(remote, 'UTC'), e), change.base);
    return { fields: write, unwritten, etag: current.etag ?? null };
  }

  /**
   * Deletes the event, then reads its cancellation (Google keeps cancelled events readable) for the
   * time it was deleted: the PushResult `position`, so a listing taken before the deletion and
   * applied after it is skipped rather than bringing the event back. The deletion stands when that
   * read fails; the bridge then orders by the last time it knew.
   */
  async function remove(id: string, change: OutboundChange): Promise<PushResult> {
    await client.delete(id);
    // An event leaving the calendar's scope (an upsert) keeps no link to order by: nothing to read.
    if (change.op !== 'delete') return { externalId: null };
    const ev = await client.get(id).catch(() => undefined);
    return { externalId: null, ...(ev?.status === 'cancelled' ? written(ev) : {}) };
  }

  /** The event's place in its history as a push left it (its `updated`): PushResult `position`. */
  const written = (ev: GoogleEvent) => positionAt(rfc3339Ms(ev.updated));

  const adapter: CalendarAdapter = {
    system: SYSTEM,
    category: 'calendar_system',
    capabilities,
    fields: CALENDAR_FIELDS,
    calendarOptions: config,

    async testConnection() {
      const cal = await client.getCalendar();
      if (cal.timeZone && cal.timeZone !== state().calendarTimeZone) setState({ calendarTimeZone: cal.timeZone });
      // calendars.get answers with the calendar's own id (`primary` reads as the account's address).
      return cal.id ? testedRemote(cal.id, cal.summary) : undefined;
    },

    verifyWebhook(request: WebhookRequest): WebhookVerdict {
      const channelId = request.headers['x-goog-channel-id'];
      const token = request.headers['x-goog-channel-token'];
      const resourceState = request.headers['x-goog-resource-state'];
      if (!channelId || !token || !resourceState) return { ok: false, code: 'invalid_payload', message: 'not a Google Calendar push notification (X-Goog-Channel-ID, -Token and X-Goog-Resource-State are required)' };
      if (!sameSecret(token, channelToken(runtime.webhookSecret, channelId))) return { ok: false, code: 'signature_invalid', message: 'X-Goog-Channel-Token does not match this channel' };
      const eventId = `${channelId}:${request.headers['x-goog-message-number'] ?? request.receivedAt}`;
      // The `sync` message only announces a new channel: nothing changed.
      if (resourceState === 'sync') return { ok: true, eventId, ignore: true, reply: { status: 200 } };
      return { ok: true, eventId };
    },

    parseWebhook() {
      // Google's notifications carry no data: they say "something changed", so pull.
      return { changes: [], pull: true };
    },

    // The bridge starts a full read with no cursor; a cursor in a full read continues its pages.
    async pull({ cursor, full }): Promise<PullPage> {
      const at = decodeCursor(cursor);
      const syncToken = at?.kind === 'sync' ? at.syncToken : at?.kind === 'page' ? at.syncToken : null;
      const res = await client.list({
        maxResults: config.pageSize, singleEvents: true, showDeleted: true,
        ...(syncToken ? { syncToken } : {}),
        ...(at?.kind === 'page' ? { pageToken: at.pageToken } : {}),
      });
      if (res.timeZone && res.timeZone !== state().calendarTimeZone) setState({ calendarTimeZone: res.timeZone });
      const changes = (res.items ?? []).map(toChange).filter((c): c is InboundChange => c !== null);
      // A read without a sync token lists the whole calendar (no timeMin/timeMax): it vouches for absence.
      const listed = !syncToken && full ? { listing: timelineListing((res.items ?? []).filter((i) => i.status !== 'cancelled' && i.id).map((i) => i.id!)) } : {};
      if (res.nextPageToken) return { changes, cursor: encodeCursor({ kind: 'page', pageToken: res.nextPageToken, syncToken }), more: true, ...listed };
      return { changes, cursor: res.nextSyncToken ? encodeCursor({ kind: 'sync', syncToken: res.nextSyncToken }) : null, more: false, ...listed };
    },

    accepts(change) {
      return acceptsCalendarChange(config, change);
    },

    async push(change, { wedding }): Promise<PushResult> {
      rememberZone(wedding);
      return pushCalendarChange(config, change, wedding, { create, update, remove });
    },

    async activate() {
      if (inbound && config.watch && !state().channel) await startWatch();
    },

    async deactivate() {
      const channel = state().channel;
      setState({ channel: undefined });
      await stopWatch(channel);
    },

    pushLive() {
      const channel = state().channel;
      return inbound && config.watch && !!channel && channel.expiration > runtime.now();
    },

    async maintain() {
      if (!inbound || !config.watch) return;
      const channel = state().channel;
      if (channel && channel.expiration - runtime.now() > config.renewBeforeSeconds * 1000) return;
      // Overlap on purpose: the new channel is open before the old one stops, so no change is missed.
      await startWatch();
      await stopWatch(channel).catch(() => undefined);
    },

    async busy({ from, to }): Promise<BusyInterval[]> {
      const out: BusyInterval[] = [];
      let pageToken: string | undefined;
      do {
        const res = await client.list({ timeMin: from, timeMax: to, singleEvents: true, orderBy: 'startTime', maxResults: 2500, ...(pageToken ? { pageToken } : {}) });
        for (const ev of res.items ?? []) {
          const e = fromGoogleEvent(ev, res.timeZone ?? 'UTC');
          // WedSync's own events are bookings already; free time is not busy.
          if (e.cancelled || e.transparent || parseEventKey(e.externalId) || e.startMs === undefined) continue;
          out.push({ externalId: e.externalId, start: new Date(e.startMs).toISOString(), end: new Date(e.endMs ?? e.startMs).toISOString(), ...(e.title ? { title: e.title } : {}) });
        }
        pageToken = res.nextPageToken ?? undefined;
      } while (pageToken);
      return out;
    },
  };
  return adapter;
}

export const googleCalendarAdapter: AdapterDefinition = {
  namesRemote: true,
  system: SYSTEM,
  fields: CALENDAR_FIELDS,
  category: 'calendar_system',
  capabilities: ['pull', 'webhook', 'watch', 'push'],
  description: 'Google Calendar: timeline events both ways, sync tokens, push channels, busy times.',
  configuration: GoogleCalendarConfiguration,
  create: createGoogleCalendarAdapter,
  servesManyWeddings: true,
  remoteKeys: ['calendarId'],
};
