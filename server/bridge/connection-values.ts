import type { BindingSummary } from '../../schema/index.ts';
import type { Connector } from '../auth/inbound-rights.ts';
import type { Principal } from '../auth/tokens.ts';
import { findSecretValues, newWebhookSecret, type AdapterDefinition } from '../../adapters/core/index.ts';
import { refuseServerMadeFields } from './secret-url-token.ts';
import { BridgeError } from './bridge-error.ts';
import type { Connection } from './connection-store.ts';
import type { Integration } from './integration-store.ts';

/** Configuration fields that say how a system is reached, not what is taken from it (a change keeps the cursor). */
export const HOW_TO_REACH = new Set(['apiBaseUrl', 'apiBase', 'tokenUrl', 'authorityUrl', 'serverUrl', 'url', 'watch', 'subscribe', 'watchTtlSeconds', 'renewBeforeSeconds', 'pageSize', 'toleranceSeconds', 'registerWebhook', 'label', 'secretUrlToken']);

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON Merge Patch (RFC 7396) of plain values. */
export function mergePatch(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isPlain(v) && isPlain(out[k])) out[k] = mergePatch(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

/** Whose rights a connection or binding acts with (server/auth/inbound-rights.ts). */
export function connectorOf(p: Principal): Connector {
  return { sub: p.sub, role: p.role, vendorId: p.role === 'vendor' ? p.vendorId ?? null : null };
}

export function bindingSummary(i: Integration): BindingSummary {
  return {
    bindingId: i.id, connectionId: i.connectionId, weddingId: i.weddingId, vendorId: i.vendorId, claimsUnmatched: i.claimsUnmatched,
    onUnbind: i.onUnbind, references: i.references, configuration: i.overrides, createdAt: i.createdAt,
  };
}

/**
 * The wedding's own configuration values: a calendar holding several weddings puts each
 * wedding's title before its events' (unless the binding says otherwise). Secrets belong to the
 * connection. Throws BridgeError `invalid_config`.
 */
export function bindingOverrides(definition: AdapterDefinition, connection: Connection, given: Record<string, unknown>): Record<string, unknown> {
  const secrets = findSecretValues(definition.configuration, { ...connection.configuration, ...given });
  const secretKey = secrets.map((s) => String(s.path[0])).find((k) => k in given);
  // What only the server sets (a secret URL token, a rotated signing secret's end) is never a
  // wedding's own: refused when it says otherwise than the connection, left out when it repeats it
  // (a binding's configuration view sent back).
  refuseServerMadeFields(given, connection.configurationView);
  if (secretKey) throw new BridgeError('invalid_config', `${secretKey} is the connection's secret: change it on the connection (PATCH /api/connections/${connection.id})`, { details: { issues: [{ path: `configuration.${secretKey}`, message: 'is the connection’s secret: change it on the connection' }] } });
  // Where the connection syncs is the connection's (AdapterDefinition.remoteKeys); a view sent back that repeats it is fine.
  const remoteKey = (definition.remoteKeys ?? []).find((k) => k in given && given[k] !== connection.configuration[k]);
  if (remoteKey) throw new BridgeError('invalid_config', `${remoteKey} chooses what connection ${connection.id} syncs: a wedding cannot set it otherwise; connect that calendar as its own connection`, { details: { issues: [{ path: `configuration.${remoteKey}`, message: 'chooses what the connection syncs: connect that calendar as its own connection' }] } });
  const { previousWebhookSecretExpiresAt: _connections, ...overrides } = given;
  if (definition.servesManyWeddings && connection.category === 'calendar_system' && !('weddingInTitle' in overrides)) overrides.weddingInTitle = true;
  return overrides;
}

/** The webhook signing secret of a new connection: the caller's own (a subscriber that already verifies with it) when well-formed, else a new one. */
export function webhookSecretOf(credentials: Record<string, unknown>): string {
  const supplied = credentials.webhookSecret;
  return typeof supplied === 'string' && /^whsec_[A-Za-z0-9+/=]{22,}$/.test(supplied) ? supplied : newWebhookSecret();
}
