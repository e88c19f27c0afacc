import type { InboundChange } from './types.ts';

/** A webhook as received: the raw body is kept byte for byte, since signatures are computed over it. */
export interface WebhookRequest {
  method: string;
  /** The full URL the sender called (some signature schemes sign it). */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  rawBody: string;
  receivedAt: number;
}

export interface WebhookReply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export type WebhookVerdict =
  | {
    ok: true;
    /** The sender's id for this delivery: duplicates (same id) are acknowledged and not applied twice. */
    eventId: string;
    /** A handshake or notice with nothing to apply: answered with `reply`, not stored. */
    ignore?: boolean;
    reply?: WebhookReply;
    /**
     * Why an ignored event deserves a person's attention (e.g. a refund of a payment no wedding
     * knows): recorded in the wedding's audit trail as `webhook.ignored`. Handshakes and other
     * weddings' events carry none.
     */
    notice?: string;
    /** What `parseWebhook` returns for this request, when verifying read it already (the `webhooks` adapter): the intake does not parse again. */
    parsed?: WebhookParse;
  }
  | { ok: false; code: 'signature_invalid' | 'signature_stale' | 'invalid_payload'; message: string };

export interface WebhookParse {
  changes: InboundChange[];
  /** The notification carries no data (e.g. Google push): pull to fetch what changed. */
  pull?: boolean;
}
