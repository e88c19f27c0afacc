export const COMMS_ERROR_CODES = [
  'message_not_found', 'no_recipients', 'not_a_recipient', 'vendor_not_found', 'payment_not_found', 'invalid_ack_link',
  'currency_mismatch', 'amount_too_large', 'notification_not_found', 'notification_decided',
] as const;
export type CommsErrorCode = (typeof COMMS_ERROR_CODES)[number];

export const COMMS_ERROR_STATUS: Record<CommsErrorCode, 400 | 404 | 409> = {
  message_not_found: 404,
  no_recipients: 400,
  not_a_recipient: 400,
  vendor_not_found: 404,
  payment_not_found: 404,
  invalid_ack_link: 404,
  currency_mismatch: 409,
  amount_too_large: 409,
  notification_not_found: 404,
  /** The pending message was already sent or discarded. */
  notification_decided: 409,
};

/** Errors of the communication bridge and payment coordination, answered with `COMMS_ERROR_STATUS[code]`. */
export class CommsError extends Error {
  override readonly name = 'CommsError';
  constructor(readonly code: CommsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
