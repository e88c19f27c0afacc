import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../storage/private-files.ts';

/**
 * AES-256-GCM for stored credentials and webhook secrets. Each value gets a fresh 96-bit IV and is
 * bound to its integration id as additional data, so a ciphertext copied to another row fails to
 * decrypt. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export interface CredentialCipher {
  encrypt(plaintext: string, boundTo: string): string;
  decrypt(sealed: string, boundTo: string): string;
}

export function createCredentialCipher(key: Buffer): CredentialCipher {
  if (key.length !== 32) throw new RangeError('the credentials key must be 32 bytes (AES-256)');
  return {
    encrypt(plaintext, boundTo) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(boundTo));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
    },
    decrypt(sealed, boundTo) {
      const [version, iv, tag, data] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unknown credential format');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(boundTo));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The key from CREDENTIALS_KEY (base64 or hex of 32 bytes), else the one kept in
 * `dataDir/credentials-key`, else a new one written there (mode 0600).
 */
export function resolveCredentialsKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) return decodeKey(configured, 'CREDENTIALS_KEY');
  const file = path.join(dataDir, 'credentials-key');
  if (fs.existsSync(file)) return decodeKey(fs.readFileSync(file, 'utf8').trim(), file);
  ensurePrivateDir(dataDir);
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return decodeKey(fs.readFileSync(file, 'utf8').trim(), file);
    throw error;
  }
  return key;
}

/** A 32-byte key from its base64 or hex spelling; `where` names its source in the error. */
export function decodeKey(value: string, where: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`${where} must hold 32 bytes, as base64 or hex`);
  return key;
}
