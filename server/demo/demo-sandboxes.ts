import crypto from 'node:crypto';
import dns from 'node:dns';
import { GoogleCalendarSandbox } from '../../adapters/google-calendar/sandbox.ts';
import { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import { VscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import type { Resolver } from '../net/guarded-egress.ts';
import { moveHostedInvoiceUrls } from './demo-pay-links.ts';
import type { DemoSandboxesState } from './demo-state.ts';

/**
 * The demo's host name for its in-process sandboxes: `demo-<random>.sandbox.invalid`, made once per
 * data directory (a restart reads it back from the demo's saved state: demo-state.ts). The guarded egress resolves it (and only it) to 127.0.0.1, so the demo's
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

  /**
   * Starts the sandboxes: fresh, or with a saved state on the ports they had (free ones when those
   * are taken; a Stripe sandbox on a new port re-points its invoices' hosted pages to it). Returns the origins that moved (`http://<host>:<old port>` → `…:<new port>`), which
   * the demo's connections must be told about.
   */
  async start(saved?: DemoSandboxesState): Promise<Array<{ from: string; to: string }>> {
    if (this.started) return [];
    const ports = saved?.ports ?? { vsco: 0, google: 0, stripe: 0 };
    await Promise.all([this.vsco.start(ports.vsco), this.google.start(ports.google), this.stripe.start(ports.stripe)]);
    if (saved) {
      this.vsco.restore(saved.vsco);
      this.google.restore(saved.google);
      this.stripe.restore(saved.stripe);
    } else {
      this.google.addCalendar({ ...DEMO_CALENDAR });
    }
    this.started = true;
    if (!saved) return [];
    const now = this.ports();
    // The invoices' hosted pages are opened by browsers, at the sandbox's loopback address.
    if (now.stripe !== ports.stripe) moveHostedInvoiceUrls(this.stripe, `http://127.0.0.1:${ports.stripe}`, this.stripe.url);
    return (['vsco', 'google', 'stripe'] as const).filter((k) => now[k] !== ports[k])
      .map((k) => ({ from: `http://${this.host}:${ports[k]}`, to: `http://${this.host}:${now[k]}` }));
  }

  /** The loopback ports the sandboxes listen on. */
  ports(): DemoSandboxesState['ports'] {
    const port = (url: string) => Number(new URL(url).port);
    return { vsco: port(this.vsco.url), google: port(this.google.url), stripe: port(this.stripe.url) };
  }

  /** Everything the sandboxes hold, for DemoState. */
  snapshot(): DemoSandboxesState {
    return { host: this.host, ports: this.ports(), vsco: this.vsco.snapshot(), google: this.google.snapshot(), stripe: this.stripe.snapshot() };
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
