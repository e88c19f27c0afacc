// WHATWG Encoding: `fatal` refuses malformed UTF-8, `ignoreBOM` keeps a leading U+FEFF as text.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Why a delivery whose body is not UTF-8 is refused (400 `invalid_payload`). */
export const NOT_UTF8 = 'the webhook body is not UTF-8 text';

/**
 * A webhook delivery's body as the text adapters verify and parse, or null when the bytes are not
 * UTF-8. The text encodes back to exactly the bytes the sender signed: a leading byte-order mark is
 * kept (a default decoder drops it, and the signature would then be checked over other bytes), and
 * malformed UTF-8 is refused rather than turned into U+FFFD. Every system we take deliveries from
 * sends UTF-8 (JSON, RFC 8259 §8.1) or form bodies of ASCII. The intake refuses a null
 * (server/bridge/webhook-intake.ts), counted and audited like any refusal.
 */
export function webhookBodyText(bytes: Uint8Array): string | null {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return null;
  }
}
