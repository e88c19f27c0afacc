import type { BindingSummary } from '../../schema/index.ts';
import type { Principal } from '../auth/tokens.ts';
import { HttpError } from '../http/http-error.ts';
import type { AuditWriter } from './audit-log.ts';
import { BridgeError } from './bridge-error.ts';
import { asInvalidConfig } from './connection-probe.ts';
import type { ConnectionRuntime } from './connection-runtime.ts';
import { bindingSummary } from './connection-values.ts';
import type { ConnectionsService } from './connections-service.ts';
import { assertManage, canManage } from './integration-access.ts';
import type { IntegrationRecords } from './integration-store.ts';

export interface BindingVendorDeps {
  store: IntegrationRecords;
  runtime: ConnectionRuntime;
  connections: ConnectionsService;
  audit: AuditWriter;
  /** Whether the wedding's document has this vendor entry. */
  hasVendor(weddingId: string, vendorId: string): Promise<boolean>;
}

/**
 * PUT /api/connections/:id/bindings/:weddingId/vendor: the vendor entry of the wedding a binding
 * acts for, chosen after binding (docs/connections.md). New records of the binding that name no
 * vendor (a preset's payments, a calendar's new events) become that vendor's from now on; records
 * held because no vendor was known are applied when sent or imported again. A binding whose own
 * configuration names a vendor (`vendorId`, a vendor's calendar) gets the new one there too.
 *
 * Who may change it is who may bind: the binding must be visible to `p` (acts for the connection's
 * workspace, or manages the wedding's binding) else BridgeError `binding_not_found` (404, naming
 * nothing); `p` must manage integrations of the wedding for the old and the new vendor (a vendor
 * only its own entry) else AuthError `wedding_forbidden`/`role_forbidden` (403). A vendor the
 * wedding does not have is HttpError `validation_failed` (400); a configuration the adapter refuses
 * with it, BridgeError `invalid_config` (400).
 */
export async function setBindingVendor(deps: BindingVendorDeps, p: Principal, connectionId: string, weddingId: string, vendorId: string | null): Promise<BindingSummary> {
  const connection = await deps.connections.manageable(p, connectionId).catch(() => null);
  const binding = (await deps.store.listForConnection(connectionId)).find((b) => b.weddingId === weddingId);
  if (!binding || (!connection && !canManage(p, weddingId, binding.vendorId))) {
    throw new BridgeError('binding_not_found', 'that connection is not bound to that wedding, or not one you manage');
  }
  assertManage(p, weddingId, binding.vendorId);
  assertManage(p, weddingId, vendorId);
  if (vendorId !== null && !(await deps.hasVendor(weddingId, vendorId))) {
    throw new HttpError(400, 'validation_failed', `invalid request body: vendorId: wedding ${weddingId} has no vendor ${vendorId}`, { issues: [{ path: 'vendorId', message: `wedding ${weddingId} has no vendor ${vendorId}` }] });
  }
  if (binding.vendorId === vendorId) return bindingSummary(binding);
  let overrides = binding.overrides;
  if ('vendorId' in overrides) {
    const { vendorId: _old, ...rest } = overrides;
    overrides = vendorId === null ? rest : { ...rest, vendorId };
    try {
      await deps.runtime.validateBinding({ ...binding, overrides, configuration: { ...binding.connection.configuration, ...overrides } });
    } catch (error) {
      throw asInvalidConfig(error);
    }
  }
  await deps.store.setVendor(binding.id, vendorId, overrides);
  // Running bindings hold the vendor they act for: rebuilt from the row just changed.
  await deps.connections.restart(connectionId);
  deps.audit.record({ weddingId, integrationId: binding.id, actor: `user:${p.sub}`, action: 'connection.vendor_changed', result: 'ok', detail: { connectionId, from: binding.vendorId, to: vendorId } });
  return bindingSummary((await deps.store.get(binding.id))!);
}
