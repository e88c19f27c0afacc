import { createHash } from 'node:crypto';
import {
  AdapterError, openSecret, parseAdapterConfig, sealSecret,
  type AdapterDefinition, type AdapterInput, type InboundChange, type PullOptions, type PullPage,
  type WebhookRequest, type WebhookVerdict, testedRemote,
} from '../core/index.ts';
import type { BusyInterval } from '../core/calendar.ts';
import type { BusySource } from '../core/busy-source.ts';
import { CalendlyClient, type CalendlyScheduledEvent, type CalendlyUser } from './client.ts';
import { CALENDLY_EVENTS, CalendlyConfiguration, CalendlyCredentials } from './config.ts';
import { CALENDLY_FIELDS, chainLinks, rootOf, inviteeChanges, parseWebhookBody, utc, webhookChanges, type MapContext } from './mappers.ts';
import { checkCalendlySignature, newSigningKey } from './signature.ts';

export const SYSTEM = 'calendly';

/** Invitee → booking links kept for reschedules (oldest dropped first). */
const MAX_ROOTS = 5000;
/** Scheduled events read per pull page (Calendly's `count`, at most 100). */
const PAGE_SIZE = 50;

interface CalendlyState {
  user?: string;
  organization?: string;
  subscriptionUri?: string;
  /** The subscription's signing key, sealed with the integration's webhook secret. */
  signingKey?: string;
  roots?: Record<string, string>;
}

const isGone = (error: unknown) => error instanceof AdapterError && (error.extra.status === 404 || error.extra.status === 410);

/**
 * Calendly API v2 as a source of a vendor's client meetings (inbound only: the API cannot book or
 * move a meeting). Signed `invitee.created` / `invitee.canceled` webhooks and a read of
 * `GET /scheduled_events` with each event's invitees become `timeline` meetings; a reschedule
 * (the old invitee canceled with `rescheduled: true`, a new invitee created with `old_invitee`)
 * moves the same meeting. Also reports the account's bookings as busy times (`busy`).
 */
export function createCalendlyAdapter(input: AdapterInput): BusySource {
  const config = parseAdapterConfig(SYSTEM, 'configuration', CalendlyConfiguration, input.configuration ?? {});
  const credentials = parseAdapterConfig(SYSTEM, 'credentials', CalendlyCredentials, input.credentials);
  const { runtime } = input;
  const client = new CalendlyClient(config.apiBase, credentials.accessToken, runtime.fetch);
  const state = () => runtime.state.get() as CalendlyState;
  const patch = (next: Partial<CalendlyState>) => runtime.state.set({ ...runtime.state.get(), ...next });
  const ctx = (): MapContext => ({ referenceQuestion: config.referenceQuestion, vendorId: config.vendorId, roots: state().roots ?? {} });

  /** Remembers which booking `links`' invitees belong to (a reschedule's other half may come later). */
  const learn = (links: Record<string, string>) => {
    const roots = state().roots ?? {};
    if (Object.entries(links).every(([k, v]) => roots[k] === v)) return;
    const merged = { ...roots, ...links };
    const keys = Object.keys(merged);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_ROOTS))) delete merged[k];
    patch({ roots: merged });
  };

  async function whoAmI(): Promise<{ user: string; organization: string }> {
    const s = state();
    if (s.user && s.organization) return { user: s.user, organization: s.organization };
    const me: CalendlyUser = await client.me();
    patch({ user: me.uri, organization: me.current_organization });
    return { user: me.uri, organization: me.current_organization };
  }

  const ownerQuery = async (): Promise<Record<string, string>> => {
    const who = await whoAmI();
    return config.scope === 'organization' ? { organization: who.organization } : { user: who.user };
  };

  async function subscribe(): Promise<void> {
    const who = await whoAmI();
    const signingKey = newSigningKey();
    const body = { url: runtime.webhookUrl, events: CALENDLY_EVENTS, organization: who.organization, scope: config.scope, signing_key: signingKey, ...(config.scope === 'user' ? { user: who.user } : {}) };
    let created;
    try {
      created = await client.createSubscription(body);
    } catch (error) {
      // 409: a subscription for this URL exists (left by an earlier connection): its signing key is
      // not ours to know, so it is replaced.
      if (!(error instanceof AdapterError && error.extra.status === 409)) throw error;
      const existing = (await client.subscriptions({ organization: who.organization, scope: config.scope, ...(config.scope === 'user' ? { user: who.user } : {}) }))
        .filter((s) => s.callback_url === runtime.webhookUrl);
      for (const s of existing) await client.deleteSubscription(s.uri).catch((e: unknown) => { if (!isGone(e)) throw e; });
      created = await client.createSubscription(body);
    }
    patch({ subscriptionUri: created.uri, signingKey: sealSecret(runtime.webhookSecret, signingKey) });
  }

  const forgetSubscription = () => {
    const { subscriptionUri: _uri, signingKey: _key, ...rest } = state();
    runtime.state.set(rest as Record<string, unknown>);
  };

  /** The invitees of one scheduled event → changes, learning reschedule links on the way. */
  async function eventChanges(event: CalendlyScheduledEvent): Promise<InboundChange[]> {
    const out: InboundChange[] = [];
    let next: string | null | undefined;
    do {
      const page = await client.invitees(event.uri, next);
      for (const invitee of page.collection) {
        learn(chainLinks(invitee, state().roots ?? {}));
        out.push(...inviteeChanges(invitee, event, ctx()));
      }
      next = page.pagination?.next_page;
    } while (next);
    return out;
  }

  return {
    system: SYSTEM,
    category: 'booking_system',
    capabilities: ['webhook', 'pull'],
    fields: CALENDLY_FIELDS,

    async testConnection() {
      const me = await client.me();
      return testedRemote(me.uri, me.email ?? me.name);
    },

    verifyWebhook(request: WebhookRequest): WebhookVerdict {
      const sealed = state().signingKey;
      const key = sealed ? openSecret(runtime.webhookSecret, sealed) : null;
      if (!key) return { ok: false, code: 'signature_invalid', message: 'no signing key: the Calendly webhook subscription was not created' };
      const check = checkCalendlySignature(request.headers['calendly-webhook-signature'], request.rawBody, key, runtime.now(), config.toleranceSeconds);
      if (!check.ok) return check;
      let body;
      try {
        body = parseWebhookBody(request.rawBody);
      } catch (error) {
        return { ok: false, code: 'invalid_payload', message: (error as Error).message };
      }
      // Calendly sends no delivery id; a retry repeats the same event, invitee and created_at.
      const eventId = createHash('sha256').update(`${body.event}\n${body.payload.uri ?? ''}\n${body.created_at}`).digest('hex').slice(0, 40);
      if (!(CALENDLY_EVENTS as readonly string[]).includes(body.event)) {
        return { ok: true, eventId, ignore: true, reply: { status: 200, body: '' } };
      }
      learn(chainLinks(body.payload, state().roots ?? {}));
      return { ok: true, eventId };
    },

    parseWebhook(request: WebhookRequest) {
      const body = parseWebhookBody(request.rawBody);
      return { changes: webhookChanges(body, ctx()) };
    },

    async pull({ cursor, full }: PullOptions): Promise<PullPage> {
      const from = new Date(runtime.now() - config.pastDays * 86_400_000).toISOString();
      const pageUrl = !full && cursor && /^https?:\/\//.test(cursor) ? cursor : null;
      const page = await client.scheduledEvents({ ...(await ownerQuery()), min_start_time: from, sort: 'start_time:asc', count: String(PAGE_SIZE) }, pageUrl);
      const changes: InboundChange[] = [];
      for (const event of page.collection) changes.push(...(await eventChanges(event)));
      const next = page.pagination?.next_page ?? null;
      return { changes, cursor: next, more: !!next };
    },

    /**
     * The user's booked (active) Calendly meetings between `from` and `to` (ISO instants), one busy
     * block per booked invitee, named by the same external id as its timeline meeting (the
     * booking's first invitee), so a meeting in a wedding is not an overlap with itself.
     */
    async busy({ from, to }) {
      const out: BusyInterval[] = [];
      let next: string | null = null;
      const query = { user: (await whoAmI()).user, min_start_time: from, max_start_time: to, status: 'active', sort: 'start_time:asc', count: '100' };
      do {
        const page = await client.scheduledEvents(query, next);
        for (const e of page.collection) {
          if (e.status === 'canceled') continue;
          const block = { start: utc(e.start_time), end: utc(e.end_time), ...(e.name ? { title: e.name } : {}) };
          const ids: string[] = [];
          let more: string | null | undefined;
          do {
            const invitees = await client.invitees(e.uri, more);
            for (const invitee of invitees.collection) {
              if (invitee.status === 'canceled') continue;
              learn(chainLinks(invitee, state().roots ?? {}));
              ids.push(rootOf(invitee, state().roots ?? {}));
            }
            more = invitees.pagination?.next_page;
          } while (more);
          for (const externalId of ids.length ? ids : [e.uri]) out.push({ externalId, ...block });
        }
        next = page.pagination?.next_page ?? null;
      } while (next);
      return out;
    },

    async activate() {
      if (!config.registerWebhook || state().subscriptionUri) return;
      await subscribe();
    },

    /**
     * Upkeep: a subscription Calendly no longer has (404/410) or has disabled (its deliveries kept
     * failing) is forgotten and made again.
     */
    async maintain() {
      if (!config.registerWebhook) return;
      const uri = state().subscriptionUri;
      if (uri) {
        try {
          const s = await client.subscription(uri);
          if (s.state !== 'disabled') return;
          await client.deleteSubscription(uri).catch((e: unknown) => { if (!isGone(e)) throw e; });
        } catch (error) {
          if (!isGone(error)) throw error;
        }
        forgetSubscription();
      }
      await subscribe();
    },

    async deactivate() {
      const uri = state().subscriptionUri;
      if (!uri) return;
      try {
        await client.deleteSubscription(uri);
      } catch (error) {
        if (!isGone(error)) throw error;
      }
      forgetSubscription();
    },
  };
}

export const calendlyAdapter: AdapterDefinition = {
  namesRemote: true,
  goneWhenDisconnected: true,
  system: SYSTEM,
  category: 'booking_system',
  capabilities: ['webhook', 'pull'],
  description: 'Calendly (API v2): booked meetings (invitee.created / invitee.canceled, reschedules as moves) onto the wedding\'s timeline; inbound only.',
  configuration: CalendlyConfiguration,
  servesManyWeddings: true,
  fields: CALENDLY_FIELDS,
  create: createCalendlyAdapter,
};
