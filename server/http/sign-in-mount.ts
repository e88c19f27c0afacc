import type { Hocuspocus } from '@hocuspocus/server';
import type { Hono } from 'hono';
import type { ApiKeyStore } from '../auth/api-keys.ts';
import { refuseConnections } from '../collab/revocation-closer.ts';
import { createSignInMailer, createSmtpMailSender, type SmtpMailSender } from '../comms/sign-in-mail.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { EmailLinkStore } from '../people/email-link-store.ts';
import type { PeopleStore } from '../people/people-store.ts';
import type { WayBackIn } from '../people/way-back-in.ts';
import type { SessionStore } from '../people/session-store.ts';
import { apiKeyRoutes } from './api-key-routes.ts';
import { createAttemptLimiter } from './attempt-limits.ts';
import type { BudgetStore } from './budget-limiter.ts';
import type { AppEnv } from './auth-middleware.ts';
import { emailAddressRoutes } from './email-address-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { signInReplacingRoutes } from './sign-in-replacing.ts';
import { signInRoutes } from './sign-in-routes.ts';

export interface SignInMountDeps {
  config: Config;
  /** Where e-mail sign-in links are kept (either backend). */
  links: EmailLinkStore;
  people: PeopleStore;
  sessions: SessionStore;
  /** Whether a person can sign in again once a session ends (the demo's account, an address, a passkey, a provider configured now). */
  wayBackIn: WayBackIn;
  keys: ApiKeyStore;
  hocuspocus: Hocuspocus;
  logger: Logger;
  metrics: Metrics;
  publicUrl: () => string;
  /** Where the attempt budgets are counted (budget-limiter.ts): null in this process, else shared by the cluster. @default null */
  budgets?: BudgetStore;
  /** OpenID Connect providers listed by GET /api/auth/providers (the OIDC routes supply them). @default none */
  oidcProviders?: () => Array<{ id: string; name: string }>;
}

/**
 * Mounts sign-in (e-mail links, providers), session management and API keys under /api, and closes
 * open WebSockets when what opened them is revoked: a session (4401 `session_revoked`, for every
 * connection whose token carries its `sid`) or an API key (4401 `token_invalid`). Returns `close`
 * for shutdown (the SMTP pool and the revocation listeners) and, when SMTP_URL is set, the SMTP
 * MailSender, which the server's other mail (invitations) can use too.
 */
export function mountSignIn(app: Hono<AppEnv>, deps: SignInMountDeps): { close(): void; smtp: SmtpMailSender | undefined } {
  const { config, logger, metrics } = deps;
  const log = logger.child({ component: 'sign-in' });
  const publicUrl = () => deps.publicUrl().replace(/\/+$/, '');
  const secureCookie = () => publicUrl().startsWith('https:');
  const smtp = config.SMTP_URL ? createSmtpMailSender({ smtpUrl: config.SMTP_URL, mailFrom: config.MAIL_FROM, defaultFromHost: () => new URL(publicUrl()).hostname }) : undefined;
  const mailer = createSignInMailer({ smtp, logger: log });
  const hour = 3600;
  const budgets = deps.budgets ?? null;
  const limits = {
    linksPerIp: createAttemptLimiter('signin_ip', { points: config.SIGNIN_LINKS_PER_IP_PER_HOUR, durationS: hour }, metrics, budgets),
    linksPerAddress: createAttemptLimiter('signin_address', { points: config.SIGNIN_LINKS_PER_ADDRESS_PER_HOUR, durationS: hour }, metrics, budgets),
    callbacksPerIp: createAttemptLimiter('signin_callback', { points: config.SIGNIN_CALLBACKS_PER_IP_PER_HOUR, durationS: hour }, metrics, budgets),
  };
  const links = deps.links;
  app.route('/api', signInRoutes({ people: deps.people, sessions: deps.sessions, wayBackIn: deps.wayBackIn, links, mailer, logger: log, publicUrl, secureCookie, limits, oidcProviders: deps.oidcProviders }));
  app.route('/api', signInReplacingRoutes({ people: deps.people, sessions: deps.sessions, wayBackIn: deps.wayBackIn, links, secureCookie, limits }));
  app.route('/api', sessionRoutes({ people: deps.people, sessions: deps.sessions, secureCookie }));
  app.route('/api', emailAddressRoutes({ people: deps.people, sessions: deps.sessions, links, mailer, logger: log, publicUrl, limits }));
  app.route('/api/workspaces', apiKeyRoutes({ people: deps.people, sessions: deps.sessions, keys: deps.keys }));

  const stopSessions = deps.sessions.onRevoked((ids) => {
    const revoked = new Set(ids);
    refuseConnections(deps.hocuspocus, (p) => p.sid !== undefined && revoked.has(p.sid), 'session_revoked', { logger: log, metrics });
  });
  const stopKeys = deps.keys.onRevoked((ids) => {
    const revoked = new Set(ids);
    refuseConnections(deps.hocuspocus, (p) => p.apiKeyId !== undefined && revoked.has(p.apiKeyId), 'token_invalid', { logger: log, metrics });
  });
  if (!mailer.smtp) log.warn('SMTP_URL is not set: sign-in links are printed here instead of e-mailed (development only)');
  return {
    smtp,
    close() {
      stopSessions();
      stopKeys();
      mailer.close();
    },
  };
}
