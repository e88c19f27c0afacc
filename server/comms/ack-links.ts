import crypto from 'node:crypto';

export interface AckTarget {
  weddingId: string;
  messageId: string;
  recipientId: string;
}

/**
 * Acknowledgement links: `/api/comms/ack/<token>`, where the token names the wedding, message and
 * recipient and is signed with a key the server keeps in its database, sealed with the
 * key-encryption key (server-keys.ts) (HMAC-SHA256, compared in constant time). A link only ever
 * acknowledges that one message for that one person.
 */
export class AckLinks {
  /** @param key the 32-byte signing key (CommsStorage.ackKey: the same on every instance sharing the database) */
  constructor(private readonly key: Buffer, private readonly publicUrl: () => string) {}

  private mac(payload: string): Buffer {
    return crypto.createHmac('sha256', this.key).update(payload).digest().subarray(0, 16);
  }

  token(t: AckTarget): string {
    const payload = Buffer.from(JSON.stringify([t.weddingId, t.messageId, t.recipientId])).toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  url(t: AckTarget): string {
    return `${this.publicUrl().replace(/\/$/, '')}/api/comms/ack/${this.token(t)}`;
  }

  /** The target of a token, or null when it is malformed or its signature does not match. */
  verify(token: string): AckTarget | null {
    const [payload, mac] = token.split('.');
    if (!payload || !mac || payload.length > 2000) return null;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(payload);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
    try {
      const [weddingId, messageId, recipientId] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
      if (typeof weddingId !== 'string' || typeof messageId !== 'string' || typeof recipientId !== 'string') return null;
      return { weddingId, messageId, recipientId };
    } catch {
      return null;
    }
  }
}
