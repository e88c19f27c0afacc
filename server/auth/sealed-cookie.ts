import crypto from 'node:crypto';
import { EncryptJWT, jwtDecrypt, type JWTPayload } from 'jose';

/**
 * Seals short-lived browser state (a sign-in's PKCE verifier and nonce, a WebAuthn challenge) into a
 * cookie value: a JWE (`dir`, A256GCM) under a key derived (HKDF-SHA256) from the server's auth
 * secret and `purpose`, so a value sealed for one purpose never opens for another. Encrypted, not
 * only signed, so the browser (or anything that reads its cookies) cannot read the secrets either.
 */
export class CookieSealer {
  private readonly key: Uint8Array;

  constructor(authSecret: string, purpose: string) {
    this.key = new Uint8Array(crypto.hkdfSync('sha256', authSecret, 'wedsync', purpose, 32));
  }

  seal(payload: JWTPayload, ttlSeconds: number): Promise<string> {
    return new EncryptJWT(payload).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).setIssuedAt().setExpirationTime(`${ttlSeconds}s`).encrypt(this.key);
  }

  /** The payload, or null when the value is missing, expired, altered or sealed under another key or purpose. */
  async open(value: string | undefined): Promise<JWTPayload | null> {
    if (!value) return null;
    try {
      return (await jwtDecrypt(value, this.key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] })).payload;
    } catch {
      return null;
    }
  }
}
