import crypto from 'node:crypto';
import dns from 'node:dns';
import { GoogleCalendarSandbox } from '../../adapters/google-calendar/sandbox.ts';
import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import { VscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import type { Resolver } from '../net/guarded-egress.ts';

/**
 * The demo's host name for its in-process sandboxes: `demo-<random>.sandbox.invalid`, new for each
 * server process. The guarded egress resolves it (and only it) to 127.0.0.1, so the demo's
 * connections reach the sandboxes while every other loopback destination stays refused unless
 * OUTBOUND_ALLOW says otherwise. `.invalid` (RFC 2606) never resolves anywhere else; the random
 * label keeps other connections from guessing it.
 */
export function demoSandboxHost(): string {
  return `demo-${crypto.randomBytes(8).toString('hex')}.sandbox.invalid`;
}

/** `base` with the demo's host name answered as 127.0.0.1 (see demoSandboxHost). */
export function demoResolver(host: string, base?: Resolver): Resolver {
  const system: Resolver = (hostname, family) => dns.promises.lookup(hostname, { all: true, family, verbatim: true });
  return (hostname, family) => (hostname.toLowerCase() === host && family !== 6 ? Promise.resolve([{ address: '127.0.0.1', family: 4 }]) : (base ?? system)(hostname, family));
}

/** The demo studio's Google calendar (an account of the Google Calendar sandbox). */
export const DEMO_CALENDAR = { id: 'studio@demo.example', summary: 'Demo studio', timeZone: 'Europe/London' } as const;

/**
 * VSCO Workspace (Táve), Google Calendar and Stripe sandboxes speaking each system's wire format,
 * on free loopback ports of this process. URLs handed to the hub name the demo host (not
 * 127.0.0.1), so they go through the guarded egress like any integration's.
 */
export class DemoSandboxes {
  readonly vsco = new VscoSandbox();
  readonly google = new GoogleCalendarSandbox();
  readonly stripe = new StripeSandbox();
  private started = false;

  constructor(readonly host: string) {}

  async start(): Promise<void> {
    if (this.started) return;
    await Promise.all([this.vsco.start(), this.google.start(), this.stripe.start()]);
    this.google.addCalendar({ ...DEMO_CALENDAR });
    this.started = true;
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await Promise.all([this.vsco.stop(), this.google.stop(), this.stripe.stop()]);
  }

  /** `url` (a sandbox's 127.0.0.1 URL) naming the demo host instead. */
  viaHost(url: string): string {
    const u = new URL(url);
    u.hostname = this.host;
    return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
  }

  /** The `POST /api/integrations/vendor/connect` bodies (without workspace and bindings) for each sandbox. */
  connectBodies() {
    const clientId = 'wedsync-demo';
    const clientSecret = crypto.randomBytes(16).toString('hex');
    return {
      vsco: {
        system: 'vsco-workspace', label: 'Táve (demo)', autoCreateWeddings: true,
        credentials: { apiKey: this.vsco.apiKey },
        configuration: { apiBaseUrl: this.viaHost(this.vsco.url), vendorId: 'photo', timeZone: DEMO_CALENDAR.timeZone },
      },
      google: {
        system: 'google-calendar', label: 'Google Calendar (demo)',
        credentials: { refreshToken: this.google.issueRefreshToken(clientId, clientSecret), clientId, clientSecret },
        configuration: { calendarId: DEMO_CALENDAR.id, apiBaseUrl: this.viaHost(this.google.url), tokenUrl: this.viaHost(this.google.tokenUrl) },
      },
      stripe: {
        system: 'stripe', label: 'Stripe (demo)',
        credentials: { secretKey: this.stripe.secretKey },
        configuration: { apiBase: this.viaHost(this.stripe.url) },
      },
    };
  }
}
