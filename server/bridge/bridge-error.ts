export const BRIDGE_ERROR_CODES = [
  'integration_not_found', 'unknown_system', 'invalid_config', 'connection_test_failed', 'conflict_not_found',
  'conflict_already_resolved', 'outbox_not_found', 'outbox_not_replayable', 'webhook_not_supported', 'signature_invalid',
  'signature_stale', 'invalid_payload', 'sync_failed', 'destination_forbidden',
  'connection_not_found', 'binding_not_found', 'already_bound', 'connection_single_wedding', 'unmatched_not_found', 'unmatched_resolved',
] as const;
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];

export const BRIDGE_ERROR_STATUS: Record<BridgeErrorCode, 400 | 401 | 404 | 409 | 502> = {
  integration_not_found: 404,
  unknown_system: 400,
  invalid_config: 400,
  connection_test_failed: 400,
  conflict_not_found: 404,
  conflict_already_resolved: 409,
  outbox_not_found: 404,
  outbox_not_replayable: 409,
  webhook_not_supported: 404,
  signature_invalid: 401,
  signature_stale: 401,
  invalid_payload: 400,
  sync_failed: 502,
  // The configured URL or host points at an address the server may not reach (OUTBOUND_ALLOW).
  destination_forbidden: 400,
  connection_not_found: 404,
  binding_not_found: 404,
  already_bound: 409,
  // A system that serves one wedding per connection (docs/connections.md).
  connection_single_wedding: 409,
  unmatched_not_found: 404,
  unmatched_resolved: 409,
};

export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(readonly code: BridgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
