import { findSecretValues, newWebhookSecret, type AdapterDefinition } from '../../adapters/core/index.ts';
import type { Principal } from '../auth/tokens.ts';
import type { AuditWriter } from './audit-log.ts';
import { BridgeError } from './bridge-error.ts';
import { assertMayReconfigure } from './connection-update.ts';
import type { Connection } from './connection-store.ts';
import type { IntegrationRecords } from './integration-store.ts';
import type { Logger } from '../logger.ts';

/** How long the previous signing secret is still accepted by default (s): a day, as Stripe's "roll secret" offers. */
export const DEFAULT_PREVIOUS_SECRET_SECONDS = 24 * 3600;

export interface WebhookSecretRotationDeps {
  store: Pick<IntegrationRecords, 'connections'>;
  audit: AuditWriter;
  logger: Logger;
  /** Tells the other instances sharing the stores to rebuild the connection (PostgreSQL). */
  announce?(connectionId: string): void;
  /** ms since the epoch. */
  now: () => number;
  /** Rebuilds the connection's running adapters from the stored rows and tells the other instances. */
  restart(connectionId: string): Promise<void>;
}

/** What a rotation answers: the new secret (shown this once) and until when the old one is still accepted (ISO 8601, UTC; null: refused at once). */
export interface RotatedWebhookSecret {
  webhookSecret: string;
  previousExpiresAt: string | null;
}

/**
 * POST /api/connections/:id/rotate-webhook-secret: a new Standard Webhooks signing secret for a
 * `webhooks` or `preset` connection (one whose configuration keeps a previous secret). For
 * `previousSeconds` (0 to a week, checked by RotateWebhookSecretBody) the old secret is still accepted on deliveries
 * to the hub, and deliveries from the hub carry a signature by each (standardWebhookHeaders), so
 * neither side has to switch at the same moment; 0 refuses the old one at once (a leaked secret).
 * No connection test runs: a subscriber that is down must not keep a leaked secret in use.
 * @throws BridgeError `invalid_config` (a system whose secrets are not ours to rotate), `connection_unreadable`; AuthError `role_forbidden`.
 */
export async function rotateWebhookSecret(
  deps: WebhookSecretRotationDeps, p: Principal, connection: Connection, definition: AdapterDefinition, previousSeconds = DEFAULT_PREVIOUS_SECRET_SECONDS,
): Promise<RotatedWebhookSecret> {
  assertMayReconfigure(p, connection);
  const shape = (definition.configuration as { shape?: Record<string, unknown> }).shape;
  if (!shape || !('previousWebhookSecret' in shape)) {
    throw new BridgeError('invalid_config', `${connection.system} connections are signed with the system's own secrets or channel tokens: disconnect and connect again for new ones`);
  }
  const webhookSecret = newWebhookSecret();
  const previousExpiresAt = previousSeconds > 0 ? new Date(deps.now() + previousSeconds * 1000).toISOString() : null;
  const { previousWebhookSecret: _secret, previousWebhookSecretExpiresAt: _until, ...rest } = connection.configuration;
  const configuration = previousExpiresAt ? { ...rest, previousWebhookSecret: connection.webhookSecret, previousWebhookSecretExpiresAt: previousExpiresAt } : rest;
  // A secret brought at connect is kept in the credentials too; it is this one from now on.
  const credentials = 'webhookSecret' in connection.credentials ? { ...connection.credentials, webhookSecret } : connection.credentials;
  await deps.store.connections.replaceSettings(connection.id, {
    webhookSecret, credentials, configuration, configurationSecrets: findSecretValues(definition.configuration, configuration), capabilities: connection.capabilities,
  });
  // Stored: the new secret is the caller's whatever happens next. A connection that cannot be rebuilt
  // here now takes it at its next start; the others are told all the same.
  await deps.restart(connection.id).catch((error: unknown) => {
    deps.logger.error({ err: error, connectionId: connection.id }, 'rotated the signing secret but could not rebuild the connection here; it takes the new secret at its next start');
    deps.announce?.(connection.id);
  });
  deps.audit.record({
    weddingId: '', integrationId: connection.id, actor: `user:${p.sub}`, action: 'integration.secret_rotated', result: 'ok',
    detail: { system: connection.system, previousExpiresAt },
  });
  return { webhookSecret, previousExpiresAt };
}
