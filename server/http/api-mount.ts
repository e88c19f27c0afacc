import type { Hono } from 'hono';
import { documentNameFor } from '../../schema/index.ts';
import type { ActivityReader } from '../activity/activity-store.ts';
import type { ApiKeyStore } from '../auth/api-keys.ts';
import { configuredOidcProviders, oidcProviderList } from '../auth/oidc/providers.ts';
import { CookieSealer } from '../auth/sealed-cookie.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Bridge } from '../bridge/bridge.ts';
import { CsvImport } from '../bridge/import-plan.ts';
import type { ConsistencyAudit } from '../bridge/consistency-audit.ts';
import type { CredentialCipher } from '../bridge/credential-cipher.ts';
import type { CalendarService } from '../calendar/calendar-service.ts';
import type { CollabServer } from '../collab/collab-server.ts';
import type { WeddingDocuments } from '../collab/documents-anywhere.ts';
import { refuseConnections } from '../collab/revocation-closer.ts';
import type { CommsService } from '../comms/comms-service.ts';
import type { Config } from '../config.ts';
import { connectAfterOAuth } from './oauth-connect-target.ts';
import { OAuthFlows } from '../connections/oauth-flows.ts';
import { configuredOAuthProviders } from '../connections/oauth-providers.ts';
import type { DemoService } from '../demo/demo-service.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { PaymentCoordinator } from '../payments/payment-coordinator.ts';
import { consoleMailSender, type MailSender } from '../people/mail.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { SessionStore } from '../people/session-store.ts';
import { WayBackIn } from '../people/way-back-in.ts';
import { peekWedding, type StoredDocuments } from '../people/wedding-peek.ts';
import { PrivacyService } from '../privacy/privacy-service.ts';
import type { PrivacyRows } from '../privacy/privacy-rows.ts';
import type { VendorBindings } from '../people/vendor-bindings.ts';
import type { ServerStores } from '../storage/server-stores.ts';
import type { PdfRenderer } from '../schedule/pdf-renderer.ts';
import type { WeddingCatalog } from '../storage/wedding-catalog.ts';
import { accountRoutes } from './account-routes.ts';
import { activityRoutes } from './activity-routes.ts';
import { weddingPeopleRoutes } from './wedding-people-routes.ts';
import type { AppEnv } from './auth-middleware.ts';
import { mountCalendarRoutes } from './calendar-routes.ts';
import { catalogRoutes } from './catalog-routes.ts';
import { ackLinkRoutes, commsRoutes } from './comms-routes.ts';
import { createAttemptLimiter } from './attempt-limits.ts';
import { connectionRoutes } from './connection-routes.ts';
import { consistencyRoutes } from './consistency-routes.ts';
import { contactRoutes } from './contact-routes.ts';
import { demoOffRoutes, demoRoutes } from './demo-routes.ts';
import { importRoutes } from './import-routes.ts';
import { integrationRoutes, webhookRoutes } from './integrations-routes.ts';
import { invitationRoutes } from './invitation-routes.ts';
import { oauthConnectRoutes } from './oauth-connect-routes.ts';
import { createOidcRoutes } from './oidc-setup.ts';
import { openApiDocument } from './openapi.ts';
import { passkeyRoutes } from './passkey-routes.ts';
import { paymentRoutes } from './payments-routes.ts';
import { privacyRoutes } from './privacy-routes.ts';
import { scheduleRoutes } from './schedule-routes.ts';
import { mountSignIn } from './sign-in-mount.ts';
import type { RateLimits } from './rate-limits.ts';
import type { BudgetStore } from './budget-limiter.ts';
import { vendorRoutes } from './vendor-routes.ts';
import { weddingRoutes } from './wedding-routes.ts';
import { workspaceRoutes } from './workspace-routes.ts';

/** What the API's routes are built from: the server's stores and services (server/wedsync-server.ts). */
export interface ApiMountDeps {
  config: Config;
  /** The HS256 secret, for the sealed cookies of passkey and OpenID Connect flows. */
  authSecret: string;
  /** fetch for OpenID Connect discovery, token and JWKS requests. @default globalThis.fetch */
  oidcFetch?: typeof fetch;
  /** @default the sign-in SMTP sender when configured, else consoleMailSender */
  mail?: MailSender;
  packageVersion: string;
  /** The weddings stored on the server's backend (GET /api/weddings). */
  weddings: WeddingCatalog;
  tokens: TokenService;
  people: PeopleStore;
  sessions: SessionStore;
  apiKeys: ApiKeyStore;
  collab: CollabServer;
  /** In a cluster: work on weddings another instance serves, handed to it (DocumentsAnywhere). @default collab (one server) */
  documentsAnywhere?: WeddingDocuments;
  /** The stored documents on the server's backend, read to peek at closed weddings. */
  stored: StoredDocuments;
  /** The stores of the server's backend the routes build on (invitations, passkeys, e-mail links, OAuth flows). */
  stores: ServerStores;
  /** What hangs off a vendor entry, for the vendor merge and removal (either backend). */
  vendorBindings: VendorBindings;
  /** The rows privacy export and erasure search and rewrite (either backend). */
  privacyRows: PrivacyRows;
  activity: ActivityReader;
  cipher: CredentialCipher;
  pdf: PdfRenderer;
  bridge: Bridge;
  consistency: ConsistencyAudit;
  calendar: CalendarService;
  comms: CommsService;
  payments: PaymentCoordinator;
  demo: DemoService | null;
  logger: Logger;
  metrics: Metrics;
  publicUrl: () => string;
  /** Where attempt budgets are counted (budget-limiter.ts): null in this process, else shared by the cluster. */
  budgets: BudgetStore;
  /** The per-integration webhook budget, for deliveries to a shared URL whose payload names the integration. */
  rateLimits?: RateLimits;
}

/**
 * Mounts every route of the API (`/api/…`), in the order their paths need: a route that would
 * claim another's path comes after it. The rate limits and the webhook target guard run before
 * the body is read (server/http/app.ts `mountBeforeBody`); the planner app's index.html fallback
 * comes after these. Returns the sign-in mount, closed with the server.
 */
export function mountApi(a: Hono<AppEnv>, deps: ApiMountDeps): { signIn: ReturnType<typeof mountSignIn> } {
  const { config, tokens, people, sessions, collab, bridge, comms, logger, metrics, publicUrl } = deps;
  const anywhere: WeddingDocuments = deps.documentsAnywhere ?? collab;
  // A wedding's details for the lists of weddings, read without opening it and kept while its bytes stay the same.
  const peekMeta = async (id: string) => {
    try {
      return await peekWedding({ open: collab.hocuspocus.documents, store: deps.stored }, id, (doc) => doc.getMeta(), { key: 'meta' });
    } catch (error) {
      logger.warn({ err: error, weddingId: id }, 'could not read a wedding’s title for the list');
      return null;
    }
  };
  // Who can sign in again after signing out: read by /api/me and before a sign-in replaces a session.
  const wayBackIn = new WayBackIn({ people, passkeys: deps.stores.passkeys, providers: configuredOidcProviders(config) });
  a.route('/api', accountRoutes({ tokens, people, sessions, wayBackIn, accessTokenTtlS: config.ACCESS_TOKEN_TTL_S, peek: peekMeta }));
  const signIn = mountSignIn(a, { config, budgets: deps.budgets, links: deps.stores.emailLinks, people, sessions, wayBackIn, keys: deps.apiKeys, hocuspocus: collab.hocuspocus, logger, metrics, publicUrl, oidcProviders: () => oidcProviderList(config) });
  const peopleDeps = { people, sessions, open: collab.hocuspocus.documents, store: deps.stored, mail: deps.mail ?? signIn.smtp ?? consoleMailSender(logger.child({ component: 'mail' })), publicUrl, logger };
  // Before weddingRoutes: the session form of POST /api/weddings hands bearer requests on to it.
  a.route('/api', workspaceRoutes({ ...peopleDeps, withDocument: (id, fn) => collab.withDocument(id, fn), weddingHealth: (id, vendorId) => bridge.weddingHealth(id, vendorId) }));
  a.route('/api', invitationRoutes({ ...peopleDeps, invitations: deps.stores.invitations, metrics, perIpPerMinute: config.RATE_LIMIT_INVITATIONS_PER_MIN, budgets: deps.budgets }));
  a.route('/api', passkeyRoutes({ passkeys: deps.stores.passkeys, people, sessions, sealer: new CookieSealer(deps.authSecret, 'webauthn challenge v1'), logger, publicUrl }));
  a.route('/api', createOidcRoutes({ config, authSecret: deps.authSecret, fetch: deps.oidcFetch, people, sessions, wayBackIn, logger, publicUrl }));
  const oauthLogger = logger.child({ component: 'oauth-connect' });
  if (config.OAUTH_ALLOW_INSECURE_HTTP) oauthLogger.warn('OAUTH_ALLOW_INSECURE_HTTP is on: OAuth connect flows may use plain http (development and tests only)');
  a.route('/api', oauthConnectRoutes({
    flows: new OAuthFlows({ store: deps.stores.oauthFlows, cipher: deps.cipher, providers: configuredOAuthProviders(config), logger: oauthLogger, allowInsecureHttp: config.OAUTH_ALLOW_INSECURE_HTTP }),
    tokens, people, sessions, logger: oauthLogger, publicUrl,
    connect: (p, body) => connectAfterOAuth(bridge, p, body),
  }));
  a.route('/api', scheduleRoutes({ ...peopleDeps, tokens, withDocument: (id, fn) => collab.withDocument(id, fn), pdf: deps.pdf }));
  a.route('/api/weddings', weddingRoutes(tokens, deps.weddings, collab, peekMeta));
  // Webhooks first: the bearer-token group below would otherwise claim their paths.
  // `/api/integrations/{id}/consistency` before the webhooks: otherwise `POST …/webhook/consistency`
  // (an integration called "webhook") would reach the webhook of a system called "consistency".
  a.route('/api/integrations', catalogRoutes(tokens, sessions));
  a.route('/api/integrations', consistencyRoutes(tokens, bridge, deps.consistency));
  a.route('/api/integrations', importRoutes(tokens, new CsvImport(bridge)));
  a.route('/api/integrations/webhook', webhookRoutes(bridge, deps.rateLimits));
  a.route('/api/integrations', integrationRoutes(tokens, bridge));
  a.route('/api', connectionRoutes(tokens, bridge, {
    peek: (id, fn, memo) => peekWedding({ open: collab.hocuspocus.documents, store: deps.stored }, id, fn, memo),
    weddingsOfWorkspace: (workspaceId) => people.weddingsOfWorkspace(workspaceId),
  }));
  a.get('/api/openapi.json', (c) => c.json(openApiDocument(deps.packageVersion)));
  mountCalendarRoutes(a, tokens, deps.calendar);
  a.route('/api/weddings', commsRoutes(tokens, comms, { replies: createAttemptLimiter('reply', { points: config.REPLIES_PER_SENDER_PER_HOUR, durationS: 3600 }, metrics, deps.budgets) }));
  a.route('/api/weddings', paymentRoutes(tokens, deps.payments));
  a.route('/api/weddings', vendorRoutes({
    tokens, docs: collab, bindings: deps.vendorBindings,
    restartConnection: (id) => bridge.connections.restart(id),
    unbind: (p, connectionId, weddingId) => bridge.connections.unbind(p, connectionId, weddingId),
    closeVendorSockets: (weddingId, vendorId) => refuseConnections(collab.hocuspocus,
      (p, documentName) => documentName === documentNameFor(weddingId) && p.role === 'vendor' && p.vendorId === vendorId && p.weddings.includes(weddingId),
      'wedding_forbidden', { logger: logger.child({ component: 'vendors' }), metrics }),
    recordRemoval: (weddingId, vendorId, origin, what) => deps.activity.recordDependantsRemoved(weddingId, 'vendors', vendorId, Date.now(), origin, what),
  }));
  a.route('/api/weddings', contactRoutes(tokens, collab));
  a.route('/api/weddings', activityRoutes(tokens, deps.activity, people));
  a.route('/api/weddings', weddingPeopleRoutes(tokens, people, (id, fn, memo) => peekWedding({ open: collab.hocuspocus.documents, store: deps.stored }, id, fn, memo)));
  a.route('/api/comms', ackLinkRoutes(comms));
  a.route('/api', privacyRoutes({ tokens, people, sessions, privacy: new PrivacyService({
    rows: deps.privacyRows, people, sessions, logger: logger.child({ component: 'privacy' }),
    collab: { persistence: collab.persistence, withDocument: (id, fn) => anywhere.withDocument(id, fn), foldHistory: (id) => anywhere.foldHistory(id) },
  }) }));
  const demo = deps.demo;
  a.route('/api', demo ? demoRoutes({ demo, people, sessions, secureCookie: () => publicUrl().startsWith('https:') }) : demoOffRoutes());
  return { signIn };
}
