import type { ContentfulStatusCode } from 'hono/utils/http-status';

export const HTTP_ERROR_CODES = [
  'invalid_json', 'validation_failed', 'not_found', 'wedding_not_found', 'snapshot_not_found', 'method_not_allowed',
  'payload_too_large', 'json_too_complex', 'wedding_exists', 'document_unavailable', 'storage_unavailable', 'internal_error', 'unsupported_media_type',
  'invitation_unknown', 'invitation_expired', 'invitation_used_up', 'vendor_unknown', 'participant_unknown', 'member_unknown', 'workspace_required', 'last_owner', 'already_participant', 'rate_limited',
  'person_unknown',
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

/** An error answered as `{ error: { code, message, details? } }` with `status`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: HttpErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
