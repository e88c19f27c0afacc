import { ERROR_CODES, WedSyncError, type ErrorCode } from '../errors.ts';

export const HTTP_ERROR_CODES = [
  'invalid_json', 'validation_failed', 'not_found', 'wedding_not_found', 'snapshot_not_found', 'method_not_allowed',
  'payload_too_large', 'json_too_complex', 'wedding_exists', 'document_unavailable', 'storage_unavailable', 'internal_error', 'unsupported_media_type',
  'invitation_unknown', 'invitation_expired', 'invitation_used_up', 'vendor_unknown', 'participant_unknown', 'member_unknown', 'workspace_required', 'last_owner', 'already_participant', 'email_present', 'rate_limited',
  'person_unknown', 'demo_forbidden', 'demo_running', 'demo_not_running', 'nothing_to_pay', 'sandbox_failed',
] as const satisfies readonly ErrorCode[];
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/**
 * An error answered as `{ error: { code, message, details? } }` with `status`. `status` must be the
 * code's entry in ERROR_CODES (checked by the compiler), so a code answers one status everywhere.
 */
export class HttpError<C extends HttpErrorCode = HttpErrorCode> extends WedSyncError<C> {
  override readonly name = 'HttpError';
  constructor(
    status: (typeof ERROR_CODES)[C],
    code: C,
    message: string,
    details?: unknown,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(code, message, { ...options, details });
    if (status !== this.status) throw new TypeError(`HttpError ${code}: status ${status} is not ERROR_CODES' ${this.status}`);
  }
}
