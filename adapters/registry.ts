import type { AdapterDefinition } from './core/index.ts';

/**
 * An adapter the server can connect, loaded on first use: the client libraries behind some
 * adapters take seconds to load, and a server only needs those its integrations use.
 */
export interface AdapterModule {
  /** The adapter's folder name, as used in `system` when connecting. */
  readonly system: string;
  load(): Promise<AdapterDefinition>;
}

const lazy = <M>(system: string, load: () => Promise<M>, pick: (m: M) => AdapterDefinition): AdapterModule => ({
  system,
  load: async () => pick(await load()),
});

/** Every adapter the server can connect, by system name. */
export const ADAPTERS: readonly AdapterModule[] = [
  lazy('webhooks', () => import('./webhooks/index.ts'), (m) => m.webhooksAdapter),
  // Calendars (issue 5).
  lazy('google-calendar', () => import('./google-calendar/index.ts'), (m) => m.googleCalendarAdapter),
  lazy('outlook', () => import('./outlook/index.ts'), (m) => m.outlookAdapter),
  lazy('caldav', () => import('./caldav/index.ts'), (m) => m.calDavAdapter),
  // Payment processors and messaging channels (issue 6).
  lazy('stripe', () => import('./stripe/index.ts'), (m) => m.stripeAdapter),
  lazy('square', () => import('./square/index.ts'), (m) => m.squareAdapter),
  lazy('paypal', () => import('./paypal/index.ts'), (m) => m.paypalAdapter),
  lazy('email', () => import('./email/index.ts'), (m) => m.emailAdapter),
  lazy('twilio', () => import('./twilio/index.ts'), (m) => m.twilioAdapter),
  lazy('slack', () => import('./slack/index.ts'), (m) => m.slackAdapter),
  lazy('teams', () => import('./teams/index.ts'), (m) => m.teamsAdapter),
  // CRMs, venues and booking tools (issue 13).
  lazy('acuity', () => import('./acuity/index.ts'), (m) => m.acuityAdapter),
  lazy('vsco-workspace', () => import('./vsco-workspace/index.ts'), (m) => m.vscoWorkspaceAdapter),
  lazy('event-temple', () => import('./event-temple/index.ts'), (m) => m.eventTempleAdapter),
  lazy('calendly', () => import('./calendly/index.ts'), (m) => m.calendlyAdapter),
  lazy('preset', () => import('./webhooks/index.ts'), (m) => m.presetWebhooksAdapter),
];
