import path from 'node:path';
import { z } from 'zod';
import { parseOutboundAllow } from './net/outbound-policy.ts';
import { parseProxyTrust } from './http/client-address.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * The server's configuration, read from the environment once, here. Every other module receives a
 * parsed `Config`; none reads `process.env` itself.
 */
export const ConfigSchema = z.object({
  /** @default 8080 */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Loopback by default so a fresh `npm start` is not exposed to the network. @default 127.0.0.1 */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** SQLite database, the generated auth secret and the planner app's offline data live here. @default ./data */
  DATA_DIR: z.string().min(1).default('./data'),
  /** HS256 key for JWTs (at least 32 characters). When unset, one is generated and kept in DATA_DIR/auth-secret. */
  AUTH_SECRET: z.string().min(32, 'AUTH_SECRET must be at least 32 characters').optional(),
  /** @default info */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /**
   * Longest a client may take to send a request's headers; a slower one is cut off (408). Keeps
   * slow-header ("slowloris") clients from holding sockets. @default 5000
   */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Longest a client may take to send a whole request, body included; a trickled body is cut off. @default 15000 */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  /** Requests per minute from one client address to /api (429 beyond it); 0 turns the limit off. @default 3000 */
  RATE_LIMIT_PER_IP_PER_MIN: z.coerce.number().int().min(0).default(3000),
  /** Requests per minute carrying one bearer token; 0 turns the limit off. @default 1200 */
  RATE_LIMIT_PER_TOKEN_PER_MIN: z.coerce.number().int().min(0).default(1200),
  /** Webhook deliveries per minute to one integration; 0 turns the limit off. @default 6000 */
  RATE_LIMIT_WEBHOOKS_PER_MIN: z.coerce.number().int().min(0).default(6000),
  /** Invitation look-ups and accepts per minute from one client address (429 beyond it); 0 turns the limit off. @default 30 */
  RATE_LIMIT_INVITATIONS_PER_MIN: z.coerce.number().int().min(0).default(30),
  /**
   * The reverse proxies or load balancers in front of the server whose `X-Forwarded-For` names the
   * client (server/http/client-address.ts): addresses, CIDR ranges, or `loopback`, `linklocal`,
   * `uniquelocal`, comma-separated. Empty: the socket's address is the client's. @default empty
   */
  TRUST_PROXY: z.string().max(2000).default('').superRefine((value, ctx) => {
    try {
      parseProxyTrust(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  /** A WebSocket that has not opened a document (authenticated) within this many ms is closed with 4401. @default 10000 */
  WS_AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Largest WebSocket message accepted; larger ones close the connection with 4413. @default 2097152 (2 MiB) */
  MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).max(256 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Timeline events one wedding may hold; a write adding more is refused (`document_too_large`). @default 2000 */
  MAX_EVENTS_PER_WEDDING: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  /**
   * Characters (UTF-16 code units) one text field (an event's notes) may hold; the schema's own
   * maximum (20000) applies too. @default 20000
   */
  MAX_TEXT_LENGTH: z.coerce.number().int().min(1).max(10_000_000).default(20_000),
  /** Bytes one wedding's document may take (its encoded Yjs state); writes past it are refused. @default 16777216 (16 MiB) */
  MAX_DOCUMENT_BYTES: z.coerce.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
  /**
   * Worker threads that encode whole documents off the event loop (compaction, snapshots, export; see
   * server/encoding/). @default 1 (the server shares its cores with SQLite and the event loop)
   */
  ENCODING_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
  /**
   * Size of a document above which those encodings run on a worker rather than in-process: below it
   * the round trip costs more than the encoding (about 10 ms for 256 KiB). Snapshots and exports go
   * by the stored rows' bytes; compaction by the stored state's bytes or 16 bytes per struct of the
   * live document, whichever is larger. @default 262144 (256 KiB)
   */
  ENCODE_IN_WORKER_ABOVE_BYTES: z.coerce.number().int().min(0).default(256 * 1024),
  /**
   * Update-log rows one transaction deletes at most once compaction has folded them into the stored
   * state: the rest go in later transactions, one per event-loop turn, so deleting a flooded
   * wedding's thousands of rows does not stall the other weddings (about 0.6 ms per 256 rows with
   * secure_delete, against 40–80 ms for 10,000 at once). @default 256
   */
  COMPACTION_TRIM_ROWS: z.coerce.number().int().min(1).max(1_000_000).default(256),
  /**
   * Run-of-show PDFs rendered at once, each on its own worker thread (server/schedule/pdf-renderer.ts).
   * @default 1 (a cold render parses fonts for seconds; the server shares its cores)
   */
  PDF_WORKERS: z.coerce.number().int().min(1).max(8).default(1),
  /** PDFs that may wait for a worker; one more is answered 503 `busy` with Retry-After. @default 4 */
  PDF_QUEUE: z.coerce.number().int().min(0).max(256).default(4),
  /** Longest one PDF may render, ms, font parsing included; then 503 `render_timed_out`. @default 30000 */
  PDF_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** A PDF worker idle this long (ms) stops, dropping its parsed fonts (tens of MB). @default 600000 */
  PDF_WORKER_IDLE_MS: z.coerce.number().int().min(1000).max(2_000_000_000).default(600_000),
  /**
   * Messages (updates, presence, …) per second one WebSocket may send before it is paused (it is not
   * read until back within budget; nothing is dropped). Typing, the planner app and an SDK's offline
   * resync stay far below it. 0 turns the limit off. @default 1000
   */
  COLLAB_CONNECTION_MESSAGES_PER_S: z.coerce.number().min(0).default(1000),
  /** Bytes per second of messages one WebSocket may send before it is paused; 0 = off. @default 8388608 (8 MiB) */
  COLLAB_CONNECTION_BYTES_PER_S: z.coerce.number().min(0).default(8 * 1024 * 1024),
  /** Messages per second all WebSockets together may send to one wedding; 0 = off. @default 3000 */
  COLLAB_WEDDING_MESSAGES_PER_S: z.coerce.number().min(0).default(3000),
  /** Bytes per second all WebSockets together may send to one wedding; 0 = off. @default 16777216 (16 MiB) */
  COLLAB_WEDDING_BYTES_PER_S: z.coerce.number().min(0).default(16 * 1024 * 1024),
  /** Seconds of budget that may be spent at once (a burst) before pausing starts. @default 5 */
  COLLAB_BURST_S: z.coerce.number().min(0.1).max(600).default(5),
  /**
   * A WebSocket whose debt would take longer than this to pay back is closed with 4429
   * (too-many-messages) instead of paused: the last resort, e.g. for many sockets flooding one
   * wedding at once. @default 30000
   */
  COLLAB_MAX_PAUSE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** Unprocessed messages the server holds for one WebSocket before it stops reading it. @default 256 */
  COLLAB_MAX_QUEUED_MESSAGES: z.coerce.number().int().min(1).max(1_000_000).default(256),
  /**
   * Bytes sent to one WebSocket and not yet taken by its client before the server stops reading it
   * (a client that keeps asking and never reads), never below twice MAX_DOCUMENT_BYTES; one that
   * keeps four times this unread for COLLAB_MAX_PAUSE_MS is dropped (it resyncs when it
   * reconnects). `0`: neither. @default 33554432 (32 MiB: twice the default largest wedding)
   */
  COLLAB_MAX_BUFFERED_BYTES: z.coerce.number().int().min(0).max(1024 * 1024 * 1024).default(32 * 1024 * 1024),
  /**
   * SQLite `synchronous` for the update log. `normal` (WAL) survives a killed process; `full` also
   * survives power loss at the price of an fsync per update. @default normal
   */
  SQLITE_SYNCHRONOUS: z.enum(['normal', 'full']).default('normal'),
  /**
   * After a failed write (disk full, I/O error) the server is read-only; this often it checks whether
   * storage takes writes again, and resumes by itself when it does. @default 1000
   */
  STORAGE_PROBE_INTERVAL_MS: z.coerce.number().int().min(10).max(600_000).default(1000),
  /**
   * Free space the data directory needs before writes resume after a failure: SQLite can still fit
   * small writes into a full disk, so one successful write alone does not mean space returned. On a
   * volume smaller than ten times this, a tenth of the volume is enough. @default 16777216 (16 MiB)
   */
  STORAGE_RESUME_FREE_BYTES: z.coerce.number().int().min(0).default(16 * 1024 * 1024),
  /** Quiet period before a document's update log is folded into its stored state. @default 2000 */
  STORE_DEBOUNCE_MS: z.coerce.number().int().min(0).default(2000),
  /** Longest a busy document waits for compaction. @default 10000 */
  STORE_MAX_DEBOUNCE_MS: z.coerce.number().int().min(0).default(10_000),
  /** The URL clients use to reach this server, for printed links and webhook URLs; defaults to http://HOST:PORT. */
  PUBLIC_URL: z.url().optional(),
  /**
   * PostgreSQL for a cluster of instances (`postgres://…`; issue 15; docs/storage-backends.md):
   * every instance given the same DATABASE_URL serves the same weddings. Unset or empty (the
   * default) = one node on SQLite under DATA_DIR.
   */
  DATABASE_URL: z.string().optional(),
  /**
   * With DATABASE_URL: this instance's name in the cluster (the holder of its document leases and
   * work claims). Must differ between instances and should stay the same across a restart of one.
   * @default `<hostname>-<8 random hex digits>` (a new one per start)
   */
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'INSTANCE_ID: 1–64 letters, digits, ".", "_" or "-"').optional(),
  /**
   * With DATABASE_URL: where the other instances reach this one directly (not through the load
   * balancer), to relay a WebSocket or forward a request for a wedding this instance serves, e.g.
   * `http://10.0.0.12:3000`. @default http://HOST:PORT (HOST 0.0.0.0 or :: become this machine's hostname)
   */
  INSTANCE_URL: z.url().optional(),
  /** With DATABASE_URL: how long a wedding's document lease lasts unrenewed (ms); another instance may serve it this long after its owner died. @default 8000 */
  DOCUMENT_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(8000),
  /**
   * The server's own mail (sign-in links): `smtp://user:password@host:587` (STARTTLS required),
   * `smtps://…:465` (implicit TLS) or `smtp://host:25?tls=none` (plain, a relay on the same host or
   * network). When unset, sign-in links are printed on the server console (development).
   */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://').optional(),
  /** Sender of the server's own mail, e.g. `WedSync Hub <hub@example.com>`. @default WedSync Hub <no-reply@HOST of PUBLIC_URL> */
  MAIL_FROM: z.string().min(3).max(300).optional(),
  /** Lifetime of the access tokens minted from a browser session (POST /api/auth/token), seconds, at most 15 min. @default 600 */
  ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(5).max(900).default(600),
  /** Sign-in e-mails one address may be sent per hour (429 beyond it); 0 = off. @default 5 */
  SIGNIN_LINKS_PER_ADDRESS_PER_HOUR: z.coerce.number().int().min(0).default(5),
  /** Sign-in e-mails one client address may request per hour; 0 = off. @default 30 */
  SIGNIN_LINKS_PER_IP_PER_HOUR: z.coerce.number().int().min(0).default(30),
  /**
   * Replies (POST …/messages/:id/reply) one person may send on one wedding per hour; each reaches
   * the planners on their channels, e-mail included, so a flood is refused 429; 0 = off. @default 30
   */
  REPLIES_PER_SENDER_PER_HOUR: z.coerce.number().int().min(0).default(30),
  /** Sign-in link openings (callbacks) from one client address per hour, used or not; 0 = off. @default 60 */
  SIGNIN_CALLBACKS_PER_IP_PER_HOUR: z.coerce.number().int().min(0).default(60),
  /** AES-256 key (32 bytes, base64 or hex) for stored credentials. When unset, one is generated in DATA_DIR/credentials-key. */
  CREDENTIALS_KEY: z.string().min(32).optional(),
  /** Only for `wedsync keys rotate`: the key to re-encrypt everything under (32 bytes, base64 or hex). See docs/operations.md. */
  CREDENTIALS_KEY_NEW: z.string().min(32).optional(),
  /** Delays between push (and inbox) retries, ms; the last step repeats. @default 1000,2000,4000,8000,15000,30000,60000 */
  RETRY_SCHEDULE_MS: z.string().regex(/^\d+(,\d+)*$/, 'comma-separated milliseconds, e.g. 1000,2000,4000').default('1000,2000,4000,8000,15000,30000,60000'),
  /** Attempts before an outbound push is dead-lettered. @default 12 */
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(12),
  /** Attempts before an inbound event is parked. @default 8 */
  INBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(8),
  /** Consecutive failures that open an integration's circuit breaker. @default 5 */
  BREAKER_THRESHOLD: z.coerce.number().int().min(1).default(5),
  /** First open period of a breaker, doubling up to BREAKER_MAX_COOLDOWN_MS. @default 15000 */
  BREAKER_COOLDOWN_MS: z.coerce.number().int().min(0).default(15_000),
  /** @default 300000 */
  BREAKER_MAX_COOLDOWN_MS: z.coerce.number().int().min(0).default(300_000),
  /** How often integrations that can pull are pulled, besides webhooks. @default 60000 */
  PULL_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /**
   * How often a connection whose changes reach the hub by push (a live Google watch channel or
   * Microsoft Graph subscription: the adapter's `pushLive`) is pulled anyway, as a safety net for
   * notifications the system dropped; never more often than PULL_INTERVAL_MS. A connection without a
   * live channel (never opened, expired, failed to renew) is pulled every PULL_INTERVAL_MS.
   * @default 900000 (15 min)
   */
  SAFETY_PULL_INTERVAL_MS: z.coerce.number().int().min(100).default(900_000),
  /**
   * How long a wedding document the bridge opened (for a webhook, a pull, a push) stays loaded after
   * its last use, ms; a client's open document stays loaded while the client is connected.
   * @default 30000
   */
  BRIDGE_DOCUMENT_IDLE_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  /** How often each connection's consistency audit runs (docs/connections.md), one connection at a time; 0 disables it. @default 3600000 */
  CONSISTENCY_AUDIT_INTERVAL_MS: z.coerce.number().int().min(0).default(3_600_000),
  /** Days to keep processed webhooks and delivered pushes (they carry personal data). @default 30 */
  RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Days to keep the integration audit trail. @default 365 */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(365),
  /**
   * How far behind (ms) webhook application may run before acknowledgements wait for it (at most
   * 2 s each: server/bridge/intake-pacing.ts); 0 turns the pacing off. @default 1000
   */
  WEBHOOK_PACING_LAG_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Pushes of one entity within this window go out once (the newest). @default 25 */
  PUSH_COALESCE_MS: z.coerce.number().int().min(0).max(10_000).default(25),
  /** Seconds an emergency waits for each person's acknowledgement before their next channel is tried. @default 300 */
  EMERGENCY_ESCALATE_AFTER_S: z.coerce.number().int().min(1).max(86_400).default(300),
  /** The same for other messages that ask for an acknowledgement. @default 3600 */
  ACK_ESCALATE_AFTER_S: z.coerce.number().int().min(1).max(7 * 86_400).default(3600),
  /**
   * Automatic messages (cascades, payment notices and reminders) are gathered per wedding and sent
   * once no further change came for this many minutes, so an afternoon of edits is one message per
   * person rather than one per edit. `0` sends at the next look (tests). @default 10
   */
  NOTIFY_QUIET_MINUTES: z.coerce.number().min(0).max(1440).default(10),
  /** A wedding that keeps changing still gets its batch this many minutes after the first change. @default 60 */
  NOTIFY_MAX_DELAY_MINUTES: z.coerce.number().min(0).max(10_080).default(60),
  /** Days before a payment's due date on which the couple and planner are reminded (and the day after, if unpaid). @default 7,1 */
  PAYMENT_REMINDER_DAYS: z.string().regex(/^\d{1,3}(,\d{1,3})*$/, 'comma-separated days, e.g. 7,1').default('7,1'),
  /**
   * Sockets integrations keep open to one external origin (scheme, host, port) at most: requests
   * beyond it wait for a free socket, so ten thousand connections pulling one API share a bounded
   * pool instead of opening a socket each. @default 64
   */
  OUTBOUND_MAX_SOCKETS_PER_ORIGIN: z.coerce.number().int().min(1).max(10_000).default(64),
  /**
   * Destinations integrations may reach although their addresses are not global unicast
   * (loopback, private, link-local, unique-local, metadata…, which are refused by default because
   * integration URLs are set by users): comma-separated CIDR ranges (`10.20.0.0/16`, `fd00::/8`),
   * addresses (`127.0.0.1`, `::1`) or host names (`crm.internal`, any address it resolves to).
   * Sandboxes and tests allow `127.0.0.0/8,::1`. @default none
   */
  OUTBOUND_ALLOW: z.string().max(10_000).optional().superRefine((value, ctx) => {
    try {
      parseOutboundAllow(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  }),
  /**
   * Sign in with Google (OpenID Connect, docs/auth.md). Offered only when the client id and secret
   * are both set. @default https://accounts.google.com
   */
  OIDC_GOOGLE_ISSUER: z.url().default('https://accounts.google.com'),
  OIDC_GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  OIDC_GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  /**
   * Sign in with Microsoft (Entra ID and personal accounts). `common` is multi-tenant: its discovery
   * document names the issuer `https://login.microsoftonline.com/{tenantid}/v2.0`, and each ID token
   * is checked against its own `tid` (openid-client does this for login.microsoftonline.com). Use
   * `https://login.microsoftonline.com/<tenant id>/v2.0` to admit one organisation only.
   * @default https://login.microsoftonline.com/common/v2.0
   */
  OIDC_MICROSOFT_ISSUER: z.url().default('https://login.microsoftonline.com/common/v2.0'),
  OIDC_MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  OIDC_MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  /**
   * Development and tests only: lets OpenID Connect talk to providers over plain http (a local
   * provider). Never in production: tokens would cross the network in clear. @default false
   */
  OIDC_ALLOW_INSECURE_HTTP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /**
   * Connect Google Calendar with OAuth 2.0 (docs/oauth.md): the OAuth client ("Web application")
   * whose redirect URI is `<PUBLIC_URL>/api/connections/oauth/google/callback`. Offered only when
   * the client id and secret are both set (409 `oauth_not_configured` otherwise).
   */
  OAUTH_GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_GOOGLE_CLIENT_SECRET: z.string().min(1).optional(),
  /** @default https://accounts.google.com/o/oauth2/v2/auth */
  OAUTH_GOOGLE_AUTHORIZATION_URL: z.url({ protocol: /^https?$/ }).default('https://accounts.google.com/o/oauth2/v2/auth'),
  /** @default https://oauth2.googleapis.com/token */
  OAUTH_GOOGLE_TOKEN_URL: z.url({ protocol: /^https?$/ }).default('https://oauth2.googleapis.com/token'),
  /**
   * Connect Outlook calendars (Microsoft identity platform): an app registration whose Web redirect
   * URI is `<PUBLIC_URL>/api/connections/oauth/microsoft/callback`. Tenant `common` admits work,
   * school and personal accounts; put a tenant id in both URLs to admit one organisation only.
   */
  OAUTH_MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  OAUTH_MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  /** @default https://login.microsoftonline.com/common/oauth2/v2.0/authorize */
  OAUTH_MICROSOFT_AUTHORIZATION_URL: z.url({ protocol: /^https?$/ }).default('https://login.microsoftonline.com/common/oauth2/v2.0/authorize'),
  /** Must end in `/{tenant}/oauth2/v2.0/token` (the Outlook adapter refreshes there). @default https://login.microsoftonline.com/common/oauth2/v2.0/token */
  OAUTH_MICROSOFT_TOKEN_URL: z.url({ protocol: /^https?$/ }).regex(/\/[^/]+\/oauth2\/v2\.0\/token$/, 'must end in /{tenant}/oauth2/v2.0/token').default('https://login.microsoftonline.com/common/oauth2/v2.0/token'),
  /**
   * Development and tests only: lets the OAuth connect flows talk to http (not https) endpoints,
   * a local sandbox. Never in production. @default false
   */
  OAUTH_ALLOW_INSECURE_HTTP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /**
   * The demo (docs/operations.md#demo): VSCO Workspace, Google Calendar and Stripe sandboxes run in
   * the server's process, and "Try the demo" sets up a demo studio connected to them. Only for a
   * local trial: `npm start -- --demo` turns it on too. Never on a shared server. @default false
   */
  DEMO: z.enum(['1', '0', 'true', 'false']).default('0').transform((v) => v === '1' || v === 'true'),
  /** How often escalations, cascades and reminders that are due are looked at. @default 250 */
  COMMS_TICK_MS: z.coerce.number().int().min(10).max(60_000).default(250),
});

export type Config = z.infer<typeof ConfigSchema> & {
  /** DATA_DIR resolved to an absolute path. */
  dataDir: string;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';
}

/** Parses `env` into a Config, throwing one ConfigError that lists every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(ConfigSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = ConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`, { cause: parsed.error });
  }
  // A sign-in provider with only half its credentials would silently not be offered.
  const halves = (['OIDC_GOOGLE', 'OIDC_MICROSOFT', 'OAUTH_GOOGLE', 'OAUTH_MICROSOFT'] as const).filter((p) => !parsed.data[`${p}_CLIENT_ID`] !== !parsed.data[`${p}_CLIENT_SECRET`]);
  if (halves.length > 0) {
    throw new ConfigError(`invalid configuration: ${halves.map((p) => `${p}_CLIENT_ID and ${p}_CLIENT_SECRET must be set together`).join('; ')}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
