import type { BindRefused } from './integration-store.ts';
import { WedSyncError, statusTable, type ErrorCode } from '../errors.ts';

export const BRIDGE_ERROR_CODES = [
  'integration_not_found', 'connection_gone', 'unknown_system', 'invalid_config', 'connection_test_failed', 'conflict_not_found',
  'conflict_already_resolved', 'outbox_not_found', 'outbox_not_replayable', 'outbox_superseded', 'webhook_not_supported', 'signature_invalid',
  'signature_stale', 'invalid_payload', 'sync_failed', 'destination_forbidden',
  'connection_not_found', 'binding_not_found', 'already_bound', 'already_connected', 'connection_single_wedding', 'connection_unreadable', 'unmatched_not_found', 'unmatched_resolved', 'timezone_required',
] as const satisfies readonly ErrorCode[];
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];

/** HTTP status of each code (ERROR_CODES' entries for BRIDGE_ERROR_CODES). */
export const BRIDGE_ERROR_STATUS = statusTable(BRIDGE_ERROR_CODES);

/** `destination_forbidden`: the configured URL or host points at an address the server may not reach (OUTBOUND_ALLOW). */
export class BridgeError extends WedSyncError<BridgeErrorCode> {
  override readonly name = 'BridgeError';
  /** `details.issues`: `{ path, message }[]` as validation_failed's, for `invalid_config` (paths like `credentials.apiKey`). */
  constructor(code: BridgeErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(code, message, options);
  }
}

/**
 * A refused bind as the API answers it (409 `already_bound`; `connection_single_wedding`, whose
 * message says to connect again from the wedding; 400 `invalid_config` for a second claiming binding).
 */
export function bindError(refused: BindRefused, weddingId: string): BridgeError {
  if (refused.reason === 'already_bound') return new BridgeError('already_bound', refused.message);
  if (refused.reason === 'single_wedding') return new BridgeError('connection_single_wedding', `${refused.message}: connect it again from wedding ${weddingId}`);
  return new BridgeError('invalid_config', refused.message);
}
