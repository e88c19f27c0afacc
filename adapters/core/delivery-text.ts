/**
 * Reading a webhook delivery's text once its signature has been checked over it.
 *
 * The text keeps a leading byte-order mark (U+FEFF), since senders sign the bytes they send
 * (server/bridge/webhook-body.ts). RFC 8259 §8.1 forbids a sender to add one to JSON but lets a
 * parser ignore it, and some do send one (.NET's default UTF-8 encoder writes it). So a delivery is
 * parsed without it, JSON and form bodies alike.
 */

/** `raw` without one leading U+FEFF. */
export function withoutByteOrderMark(raw: string): string {
  return raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
}

/** JSON.parse of a delivery's text, a leading byte-order mark ignored. Throws SyntaxError as JSON.parse. */
export function parseDeliveryJson(raw: string): unknown {
  return JSON.parse(withoutByteOrderMark(raw));
}

/** A form-encoded (application/x-www-form-urlencoded) delivery's fields, a leading byte-order mark ignored. */
export function parseDeliveryForm(raw: string): URLSearchParams {
  return new URLSearchParams(withoutByteOrderMark(raw));
}
