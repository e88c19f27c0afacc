import crypto from 'node:crypto';
import { SandboxServer, json, type SandboxRequest, type SandboxResponse } from '../core/sandbox-http.ts';

/** One message posted to the sandbox, as Slack stores it. */
export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Record<string, unknown>[];
  metadata: { event_type: string; event_payload: Record<string, unknown> } | null;
}

/**
 * A local Slack Web API: `auth.test`, `chat.postMessage` and `conversations.history` as the
 * @slack/web-api client calls them (POST, form-encoded with JSON-encoded `blocks`/`metadata`, or a
 * JSON body; Bearer token), answering `{ ok: true, … }` or HTTP 200 `{ ok: false, error }`, and 429
 * with Retry-After when told to.
 */
export class SlackSandbox {
  readonly token = `xoxb-${crypto.randomBytes(6).toString('hex')}-${crypto.randomBytes(6).toString('hex')}`;
  readonly http: SandboxServer;
  readonly posted: SlackMessage[] = [];
  private readonly channels = new Set<string>();
  private clock = 1_700_000_000_000;

  constructor() {
    this.http = new SandboxServer((req) => this.route(req));
  }

  /** The base URL to give the client as `slackApiUrl`. */
  get apiUrl(): string { return `${this.http.url}/api/`; }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  stop(): Promise<void> { return this.http.stop(); }

  /** A channel (or user, for DMs) the bot can post to; returns its id. */
  addChannel(id = `C${crypto.randomBytes(5).toString('hex').toUpperCase()}`): string {
    this.channels.add(id);
    return id;
  }

  in(channel: string): SlackMessage[] {
    return this.posted.filter((m) => m.channel === channel);
  }

  private nextTs(): string {
    // Slack's ts: seconds and microseconds, unique per channel.
    this.clock = Math.max(this.clock + 1, Date.now() * 1000);
    return `${Math.floor(this.clock / 1_000_000)}.${String(this.clock % 1_000_000).padStart(6, '0')}`;
  }

  private args(req: SandboxRequest): Record<string, unknown> {
    if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(req.rawBody || '{}') as Record<string, unknown>;
    const out: Record<string, unknown> = Object.fromEntries(new URLSearchParams(req.rawBody));
    for (const k of ['blocks', 'metadata', 'attachments']) if (typeof out[k] === 'string') out[k] = JSON.parse(out[k] as string);
    return out;
  }

  private route(req: SandboxRequest): SandboxResponse {
    if (req.method !== 'POST') return json(405, { ok: false, error: 'method_not_supported_for_channel_type' });
    const method = req.path.replace(/^\/api\//, '');
    const auth = req.headers.authorization ?? '';
    const a = this.args(req);
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : (a.token as string | undefined);
    if (!token) return json(200, { ok: false, error: 'not_authed' });
    if (token !== this.token) return json(200, { ok: false, error: 'invalid_auth' });
    switch (method) {
      case 'auth.test':
        return json(200, { ok: true, url: 'https://wedsync-sandbox.slack.com/', team: 'WedSync Sandbox', user: 'wedsync', team_id: 'T0SANDBOX', user_id: 'U0WEDSYNC', bot_id: 'B0WEDSYNC' });
      case 'chat.postMessage': {
        const channel = String(a.channel ?? '');
        if (!this.channels.has(channel)) return json(200, { ok: false, error: 'channel_not_found' });
        if (!a.text && !a.blocks) return json(200, { ok: false, error: 'no_text' });
        const msg: SlackMessage = {
          channel, ts: this.nextTs(), text: String(a.text ?? ''), blocks: (a.blocks as Record<string, unknown>[] | undefined) ?? [],
          metadata: (a.metadata as SlackMessage['metadata'] | undefined) ?? null,
        };
        this.posted.push(msg);
        return json(200, { ok: true, channel, ts: msg.ts, message: { type: 'message', subtype: 'bot_message', text: msg.text, bot_id: 'B0WEDSYNC', ts: msg.ts, blocks: msg.blocks } });
      }
      case 'conversations.history': {
        const channel = String(a.channel ?? '');
        if (!this.channels.has(channel)) return json(200, { ok: false, error: 'channel_not_found' });
        const oldest = Number(a.oldest ?? 0);
        const withMeta = a.include_all_metadata === true || a.include_all_metadata === 'true';
        const messages = this.in(channel).filter((m) => Number(m.ts) >= oldest).reverse()
          .map((m) => ({ type: 'message', text: m.text, ts: m.ts, bot_id: 'B0WEDSYNC', ...(withMeta && m.metadata ? { metadata: m.metadata } : {}) }));
        return json(200, { ok: true, messages, has_more: false, pin_count: 0 });
      }
      default:
        return json(200, { ok: false, error: 'unknown_method' });
    }
  }
}
