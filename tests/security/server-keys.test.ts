import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { AckLinks } from '../../server/comms/ack-links.ts';
import type { CredentialCipher } from '../../server/bridge/credential-cipher.ts';
import { openDatabase, type Db } from '../../server/storage/database.ts';
import { KeyError, openKeyEncryptionKey } from '../../server/storage/key-encryption-key.ts';
import { serverKey } from '../../server/storage/server-keys.ts';
import { tempDir } from '../helpers/test-server.ts';

const target = { weddingId: 'w1', messageId: 'msg_1', recipientId: 'florist' };
/** Ack links signed with the SQLite server key, as sqliteCommsStorage gives it. */
const ackLinks = (db: Db, cipher: CredentialCipher, url: () => string) => new AckLinks(serverKey(db, cipher, 'ack-links'), url);

describe('server keys', () => {
  it('are stored sealed with the key-encryption key, never as the key itself', () => {
    const db = openDatabase(tempDir(), { synchronous: 'normal' });
    const cipher = createCredentialCipher(crypto.randomBytes(32));
    const links = ackLinks(db, cipher, () => 'http://hub.example');
    const stored = db.prepare("SELECT key FROM server_keys WHERE name = 'ack-links'").pluck().get() as Buffer;
    expect(stored.toString('utf8')).toMatch(/^v1\./);
    // Reopened with the same KEK: the same key, so links already sent still work.
    expect(ackLinks(db, cipher, () => 'http://hub.example').verify(links.token(target))).toEqual(target);
    // With another KEK the sealed key cannot be read: it fails loudly instead of signing with garbage.
    expect(() => ackLinks(db, createCredentialCipher(crypto.randomBytes(32)), () => '')).toThrow();
    db.close();
  });

  it('left in plain text by an earlier version are sealed in place, and links signed with them still verify', () => {
    const db = openDatabase(tempDir(), { synchronous: 'normal' });
    const plain = crypto.randomBytes(32);
    db.prepare("INSERT INTO server_keys (name, key, created_at) VALUES ('ack-links', ?, ?)").run(plain, new Date().toISOString());
    const payload = Buffer.from(JSON.stringify([target.weddingId, target.messageId, target.recipientId])).toString('base64url');
    const oldToken = `${payload}.${crypto.createHmac('sha256', plain).update(payload).digest().subarray(0, 16).toString('base64url')}`;
    const links = ackLinks(db, createCredentialCipher(crypto.randomBytes(32)), () => 'http://hub.example');
    expect(links.verify(oldToken)).toEqual(target);
    const stored = db.prepare("SELECT key FROM server_keys WHERE name = 'ack-links'").pluck().get() as Buffer;
    expect(stored.includes(plain)).toBe(false);
    expect(stored.toString('utf8')).toMatch(/^v1\./);
    // Nor left behind in free space or the WAL.
    expect(['', '-wal'].filter((suffix) => fs.existsSync(db.name + suffix) && fs.readFileSync(db.name + suffix).includes(plain))).toEqual([]);
    db.close();
  });

  it('a database holding only plain keys of an earlier version starts without a key file (one is made); one holding sealed values does not', () => {
    const dir = tempDir();
    const db = openDatabase(dir, { synchronous: 'normal' });
    db.prepare("INSERT INTO server_keys (name, key, created_at) VALUES ('ack-links', ?, ?)").run(crypto.randomBytes(32), new Date().toISOString());
    expect(() => openKeyEncryptionKey(db, undefined, dir)).not.toThrow();
    expect(fs.existsSync(`${dir}/credentials-key`)).toBe(true);
    // The check value is now sealed under that key: without the file, the database is not opened with a new one.
    fs.rmSync(`${dir}/credentials-key`);
    expect(() => openKeyEncryptionKey(db, undefined, dir)).toThrow(KeyError);
    expect(fs.existsSync(`${dir}/credentials-key`)).toBe(false);
    db.close();
  });
});
