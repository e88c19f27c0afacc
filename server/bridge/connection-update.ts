import { findSecretValues, type Adapter, type AdapterDefinition, type TestedRemote } from '../../adapters/core/index.ts';
import type { IntegrationSummary, UpdateIntegrationBody } from '../../schema/index.ts';
import { clipText } from '../../schema/document/text.ts';
import { AuthError } from '../auth/auth-error.ts';
import { isWriter, type Principal } from '../auth/tokens.ts';
import { BridgeError } from './bridge-error.ts';
import { mergeKeepingSecrets } from './configuration-secrets.ts';
import { assertReadable } from './connection-rows.ts';
import type { Connection } from './connection-store.ts';
import { bindingOverrides, HOW_TO_REACH, mergePatch } from './connection-values.ts';
import { asInvalidConfig } from './connection-probe.ts';
import { assertManage, canManage } from './integration-access.ts';
import { integrationSummary } from './integration-view.ts';
import type { ConnectionsServiceDeps } from './connections-service-deps.ts';
import { refuseServerMadeFields } from './secret-url-token.ts';
import type { Integration } from './integration-store.ts';
import type { RemoteGuard } from './same-remote.ts';

/**
 * Refuses a change of the connection's settings, credentials or secrets by someone with fewer
 * rights than whoever connected it (below), and of a connection whose sealed values do not open.
 * @throws BridgeError `connection_unreadable`; AuthError `role_forbidden` (403).
 */
export function assertMayReconfigure(p: Principal, connection: Connection): void {
  // Its secrets did not open: nothing to keep or test with (disconnect it and connect it again).
  assertReadable(connection);
  if (isWriter(connection.connector.role) && !isWriter(p.role)) {
    throw new AuthError('role_forbidden', `this connection acts with the rights of the ${connection.connector.role} who connected it: only a planner or an admin may change its settings, credentials or secrets`);
  }
}

export interface UpdateDeps extends ConnectionsServiceDeps {
  /** The connection's adapter with the new settings, for the connection test. */
  probe(definition: AdapterDefinition, p: { id: string; weddingId: string; system: string; connectionId: string; credentials: Record<string, unknown>; configuration: Record<string, unknown>; webhookSecret: string; state: Record<string, unknown> }): Adapter;
  restart(connectionId: string): Promise<void>;
  /** The connection, when `p` may manage it (ConnectionsService.manageable). @throws BridgeError `connection_not_found`. */
  manageable(p: Principal, connectionId: string): Promise<Connection>;
  /** updateConnectionSettings in the connection's settings queue, on the row read again there (ConnectionsService). */
  reconfigure(p: Principal, connection: Connection, body: { configuration?: Record<string, unknown>; credentials?: Record<string, unknown> }, audit: { weddingId: string; integrationId: string }): Promise<void>;
  /** One connection per calendar or account (same-remote.ts). */
  remotes: RemoteGuard;
}

/**
 * PATCH /api/integrations/:id (see UpdateIntegrationBody). The configuration of a connection
 * made from a wedding is the connection's; of a binding of a shared connection, the wedding's
 * own values. Credentials are always the connection's. The connection test runs before anything
 * is stored; adapter state (watch channels, endpoints) is kept.
 * @throws BridgeError `integration_not_found`, `invalid_config`, `connection_test_failed`; AuthError.
 */
export async function updateIntegrationSettings(deps: UpdateDeps, p: Principal, id: string, body: UpdateIntegrationBody): Promise<IntegrationSummary> {
  const integration = await deps.store.get(id);
  if (!integration || !canManage(p, integration.weddingId, integration.vendorId)) {
    if (integration) assertManage(p, integration.weddingId, integration.vendorId);
    throw new BridgeError('integration_not_found', `no integration ${id}`);
  }
  if (integration.connectionId === integration.id) {
    await deps.reconfigure(p, integration.connection, body, { weddingId: integration.weddingId, integrationId: id });
  } else {
    const credentials = body.credentials && Object.keys(body.credentials).length ? body.credentials : undefined;
    if (credentials) await deps.manageable(p, integration.connectionId);
    const definition = await deps.runtime.definitionOf(integration.system);
    const overrides = bindingOverrides(definition, integration.connection, mergePatch(integration.overrides, body.configuration ?? {}));
    if (credentials) await deps.reconfigure(p, integration.connection, { credentials }, { weddingId: integration.weddingId, integrationId: id });
    const probe = { ...integration, overrides, configuration: { ...integration.connection.configuration, ...overrides } };
    try {
      await deps.runtime.validateBinding(probe);
    } catch (error) {
      throw asInvalidConfig(error);
    }
    await deps.store.replaceOverrides(id, overrides);
    await deps.restart(integration.connectionId);
    deps.audit.record({ weddingId: integration.weddingId, integrationId: id, actor: `user:${p.sub}`, action: 'integration.update', result: 'ok', detail: { system: integration.system, configuration: Object.keys(body.configuration ?? {}) } });
  }
  const stored = (await deps.store.get(id))!;
  return integrationSummary(p, stored, deps.runtime.webhookUrl(stored.system, stored.connectionId));
}

/**
 * New configuration or credentials for a connection (PATCH /api/connections/:id, PATCH of a
 * wedding's integration, the secret URL's rotation): merged over the stored ones (secrets sent
 * back redacted are kept), tested, stored, and the connection restarted. A secret URL token is
 * only set by rotation (`rotating`); the webhook secret only by its own rotation
 * (webhook-secret-rotation.ts). Callers run it in the connection's settings queue on the row as
 * stored (ConnectionsService), so two changes never write over each other on one instance.
 *
 * The connection acts with the rights of whoever connected it (inbound-rights.ts), so only someone
 * with at least those rights may change where it reads from or how it is reached: a vendor who
 * manages a binding a planner connected for them gets AuthError `role_forbidden` (403) here, or it
 * could point the connection (or a secret URL it is handed) at data that then writes with the
 * planner's rights.
 */
export async function updateConnectionSettings(deps: UpdateDeps, p: Principal, connection: Connection, body: { configuration?: Record<string, unknown>; credentials?: Record<string, unknown> }, audit: { weddingId: string; integrationId: string }, rotating = false): Promise<void> {
  assertMayReconfigure(p, connection);
  if (!rotating) refuseServerMadeFields(body.configuration, connection.configurationView);
  // Adapters key what they keep (sealed endpoint secrets, channel tokens) on it: changing it means reconnecting.
  const webhookSecret = body.credentials?.webhookSecret;
  if (webhookSecret !== undefined && webhookSecret !== connection.webhookSecret) {
    throw new BridgeError('invalid_config', 'the webhook secret of a connection is not set by hand: rotate it (POST /api/connections/:id/rotate-webhook-secret, for webhooks and preset connections) or connect again');
  }
  const definition = await deps.runtime.definitionOf(connection.system);
  const configuration = mergeKeepingSecrets(connection.configuration, body.configuration ?? {}, connection.configurationView);
  const credentials = mergeKeepingSecrets(connection.credentials, body.credentials ?? {}, {});
  const bindings = await deps.store.listForConnection(connection.id);
  const scope = definition.servesManyWeddings ? '' : bindings[0]?.weddingId ?? '';
  const adapter = deps.probe(definition, {
    id: connection.id, weddingId: scope, system: connection.system, connectionId: connection.id, credentials, configuration,
    webhookSecret: connection.webhookSecret, state: connection.adapterState,
  });
  let remote: TestedRemote | undefined;
  try {
    remote = (await adapter.testConnection()) ?? undefined;
    // The same object read without its name (a remembered calendar): the name it had stays.
    if (remote && !remote.remoteName && remote.remoteId === connection.remoteId && connection.remoteName) remote = { ...remote, remoteName: connection.remoteName };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    deps.audit.record({ ...audit, actor: `user:${p.sub}`, action: 'integration.update', result: 'failed', detail: { system: connection.system, message: clipText(message, 300) } });
    throw new BridgeError('connection_test_failed', `connection test failed: ${message}`, { cause: error });
  }
  // Pointed at another calendar or account: one that no other connection of its business or weddings syncs.
  const business = bindings.some((b) => b.id === connection.id) ? null : connection.workspaceId;
  const moved = remote && remote.remoteId !== connection.remoteId ? remote : undefined;
  const around = { workspaceId: business, weddingIds: bindings.map((b) => b.weddingId), except: connection.id, mayName: (b: Integration) => canManage(p, b.weddingId, b.vendorId) };
  await deps.remotes.exclusive(connection.system, moved, around, () =>
    deps.store.connections.replaceSettings(connection.id, {
      credentials, configuration, configurationSecrets: findSecretValues(definition.configuration, configuration), capabilities: [...adapter.capabilities],
      ...(remote ? { remote } : {}),
    }));
  if (connection.status === 'needs_attention') await deps.store.connections.update(connection.id, { status: 'active' });
  await deps.restart(connection.id);
  // What is taken from the system may have changed (importEvents, categories, direction, the
  // calendar): read everything again rather than only what changes from now on. Settings that say
  // only how the system is reached keep the cursor as it is.
  if (Object.keys(body.configuration ?? {}).some((k) => !HOW_TO_REACH.has(k))) deps.resync(connection.id);
  // Names only: values may be secrets.
  deps.audit.record({ ...audit, actor: `user:${p.sub}`, action: 'integration.update', result: 'ok', detail: { system: connection.system, configuration: Object.keys(body.configuration ?? {}), credentials: Object.keys(body.credentials ?? {}) } });
}
