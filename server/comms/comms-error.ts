import { WedSyncError, statusTable, type ErrorCode } from '../errors.ts';

export const COMMS_ERROR_CODES = [
  'message_not_found', 'no_recipients', 'not_a_recipient', 'vendor_not_found', 'payment_not_found', 'invalid_ack_link',
  'currency_mismatch', 'amount_too_large', 'amount_above_outstanding', 'processor_not_connected', 'notification_not_found', 'notification_decided',
] as const satisfies readonly ErrorCode[];
export type CommsErrorCode = (typeof COMMS_ERROR_CODES)[number];

/** `notification_decided`: the pending message was already sent or discarded. */
export const COMMS_ERROR_STATUS = statusTable(COMMS_ERROR_CODES);

/** Errors of the communication bridge and payment coordination, answered with `COMMS_ERROR_STATUS[code]`. */
export class CommsError extends WedSyncError<CommsErrorCode> {
  override readonly name = 'CommsError';
  constructor(code: CommsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
