import { WedSyncError } from '../errors.ts';

// WHATWG Encoding: `fatal` refuses malformed UTF-8, `ignoreBOM` keeps a leading U+FEFF as text.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A webhook delivery's body as the text adapters verify and parse. It encodes back to exactly the
 * bytes the sender signed: a leading byte-order mark is kept (a default decoder drops it, and the
 * signature would then be checked over other bytes), and malformed UTF-8 is refused rather than
 * turned into U+FFFD. Every system we take deliveries from sends UTF-8 (JSON, RFC 8259 §8.1) or
 * form bodies of ASCII.
 * @throws WedSyncError `invalid_payload` (400) when the bytes are not UTF-8.
 */
export function webhookBodyText(bytes: Uint8Array): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch (error) {
    throw new WedSyncError('invalid_payload', 'the webhook body is not UTF-8 text', { cause: error });
  }
}
