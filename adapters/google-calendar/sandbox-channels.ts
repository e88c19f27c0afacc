import crypto from 'node:crypto';
import { deliver, json, type SandboxRequest, type SandboxResponse } from '../core/sandbox-server.ts';
import { googleErrorBody, parseJson } from './sandbox-wire.ts';

export interface Channel { id: string; resourceId: string; token?: string; address: string; expiration: number; calendarId: string; messages: number; stopped: boolean }
/** One push notification sent: the subscriber's answer in `status` (0 when unreachable). */
export interface Notification { channelId: string; state: string; number: number; status: number }

/**
 * The Google Calendar sandbox's push notifications: `events.watch` opens a channel (confirmed by a
 * `sync` message right after the answer), `channels.stop` ends it, and every change to a calendar
 * POSTs the real `x-goog-*` headers (`exists`) to its live channels. Notifications can be held back
 * (the subscriber is unreachable) and are then sent once per calendar on `resume`.
 */
export class GoogleChannelsSandbox {
  private readonly channels = new Map<string, Channel>();
  readonly notifications: Notification[] = [];
  private paused = false;
  private readonly pending = new Set<string>();

  /** `baseUrl`: the sandbox's URL with its trailing slash, for the channels' resource URIs. */
  constructor(private readonly now: () => number, private readonly baseUrl: () => string) {}

  /** Channels of the calendar not stopped and not expired. */
  live(calendarId: string): Channel[] {
    return [...this.channels.values()].filter((c) => c.calendarId === calendarId && !c.stopped && c.expiration > this.now());
  }

  pause(): void { this.paused = true; }

  resume(): void {
    this.paused = false;
    for (const id of this.pending) this.notify(id);
    this.pending.clear();
  }

  /** A calendar's events changed: its live channels hear of it (later, while paused). */
  changed(calendarId: string): void {
    if (this.paused) this.pending.add(calendarId); else this.notify(calendarId);
  }

  /** POST …/calendars/{calendarId}/events/watch. */
  watch(calendarId: string, req: SandboxRequest): SandboxResponse {
    const body = parseJson(req.body) as { id?: string; type?: string; address?: string; token?: string; params?: { ttl?: string } } | null;
    if (!body?.id || body.type !== 'web_hook' || !body.address) return json(400, googleErrorBody(400, 'invalid', 'A channel needs id, type web_hook and address.'));
    if (this.channels.has(body.id)) return json(400, googleErrorBody(400, 'channelIdNotUnique', 'Channel id not unique'));
    const ttl = Math.min(Number(body.params?.ttl ?? 604_800) || 604_800, 2_592_000);
    const ch: Channel = {
      id: body.id, resourceId: crypto.createHash('sha1').update(calendarId).digest('base64url').slice(0, 27), token: body.token, address: body.address,
      expiration: this.now() + ttl * 1000, calendarId, messages: 0, stopped: false,
    };
    this.channels.set(ch.id, ch);
    // Google confirms a new channel with a `sync` message right after answering.
    setImmediate(() => void this.send(ch, 'sync'));
    return json(200, {
      kind: 'api#channel', id: ch.id, resourceId: ch.resourceId, resourceUri: this.resourceUri(calendarId),
      ...(ch.token ? { token: ch.token } : {}), expiration: String(ch.expiration),
    });
  }

  /** POST /calendar/v3/channels/stop. */
  stop(req: SandboxRequest): SandboxResponse {
    const body = parseJson(req.body) as { id?: string; resourceId?: string } | null;
    const ch = body?.id ? this.channels.get(body.id) : undefined;
    if (!ch || ch.resourceId !== body?.resourceId) return json(404, googleErrorBody(404, 'notFound', `Channel '${body?.id}' not found for project`));
    ch.stopped = true;
    return { status: 204 };
  }

  snapshot(): Channel[] {
    return [...this.channels.values()];
  }

  restore(channels: Channel[]): void {
    this.channels.clear();
    for (const ch of channels) this.channels.set(ch.id, ch);
  }

  private resourceUri(calendarId: string): string {
    return `${this.baseUrl()}calendar/v3/calendars/${encodeURIComponent(calendarId)}/events?alt=json`;
  }

  private notify(calendarId: string): void {
    for (const ch of this.live(calendarId)) void this.send(ch, 'exists');
  }

  private async send(ch: Channel, state: string): Promise<void> {
    const number = ++ch.messages;
    const status = await deliver(ch.address, {
      headers: {
        'x-goog-channel-id': ch.id,
        ...(ch.token ? { 'x-goog-channel-token': ch.token } : {}),
        'x-goog-channel-expiration': new Date(ch.expiration).toUTCString(),
        'x-goog-resource-id': ch.resourceId,
        'x-goog-resource-uri': this.resourceUri(ch.calendarId),
        'x-goog-resource-state': state,
        'x-goog-message-number': String(number),
        'content-length': '0',
      },
      body: '',
    });
    this.notifications.push({ channelId: ch.id, state, number, status });
  }
}
