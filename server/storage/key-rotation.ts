import { resealConfiguration } from '../bridge/configuration-secrets.ts';
import type { CredentialCipher } from '../bridge/credential-cipher.ts';
import type { Db } from './database.ts';
import { KeyError } from './key-encryption-key.ts';
import { scrubbed } from './scrub.ts';

/** What a rotation re-encrypted. */
export interface RotationReport {
  integrations: number;
  /** Secret values inside configurations. */
  configurationSecrets: number;
  serverKeys: number;
}

/** A server key as earlier versions stored it: 32 raw bytes (see server-keys.ts). */
const PLAIN_KEY_BYTES = 32;

/**
 * Re-encrypts everything sealed with the key-encryption key under `to`: each integration's
 * credentials and webhook secret, the secret values in its configuration, and every server key.
 * One exclusive transaction: either all of it is under the new key, or (any value that does not
 * open with `from`, any error) nothing changed. The replaced ciphertexts are scrubbed from the file
 * and the WAL (scrub.ts), so a copy of the database taken afterwards holds nothing the old key opens.
 *
 * Adapter state needs nothing: what adapters seal there is keyed by the integration's webhook
 * secret, which this keeps.
 *
 * @throws KeyError naming the first value `from` does not open (the current key is wrong)
 */
export function rotateKeyEncryptionKey(db: Db, from: CredentialCipher, to: CredentialCipher): RotationReport {
  const report: RotationReport = { integrations: 0, configurationSecrets: 0, serverKeys: 0 };
  const open = (what: string, fn: () => string) => {
    try {
      return fn();
    } catch (error) {
      throw new KeyError(`the current key does not open ${what} (wrong key?); nothing was changed`, { cause: error });
    }
  };
  scrubbed(db, () => {
    // Connections hold the accounts' secrets; bindings (integrations rows) hold none ('') and plain overrides.
    for (const [table, what] of [['connections', 'connection'], ['integrations', 'integration']] as const) {
      const rows = db.prepare(`SELECT id, credentials_enc, webhook_secret_enc, configuration FROM ${table}`)
        .all() as { id: string; credentials_enc: string; webhook_secret_enc: string; configuration: string }[];
      const write = db.prepare(`UPDATE ${table} SET credentials_enc = ?, webhook_secret_enc = ?, configuration = ? WHERE id = ?`);
      for (const r of rows) {
        const reseal = (sealed: string, label: string) => (sealed === '' ? '' : to.encrypt(open(`the ${label} of ${what} ${r.id}`, () => from.decrypt(sealed, r.id)), r.id));
        let sealed = 0;
        const counting: CredentialCipher = {
          encrypt: (plain, bound) => { sealed++; return to.encrypt(plain, bound); },
          decrypt: to.decrypt,
        };
        const stored = JSON.parse(r.configuration) as Record<string, unknown>;
        const configuration = open(`the configuration of ${what} ${r.id}`,
          () => JSON.stringify(resealConfiguration(stored, from, counting, r.id)));
        write.run(reseal(r.credentials_enc, 'credentials'), reseal(r.webhook_secret_enc, 'webhook secret'), configuration, r.id);
        if (table === 'connections') report.integrations++;
        report.configurationSecrets += sealed;
      }
    }
    // OAuth connect flows in progress (10 minutes at most) keep their sealed PKCE verifier usable.
    const flows = db.prepare('SELECT state, code_verifier FROM oauth_flows WHERE used_at IS NULL').all() as { state: string; code_verifier: string }[];
    const writeFlow = db.prepare('UPDATE oauth_flows SET code_verifier = ? WHERE state = ?');
    for (const f of flows) {
      const bound = `oauth_flow:${f.state}`;
      writeFlow.run(to.encrypt(open(`OAuth flow ${f.state.slice(0, 8)}…`, () => from.decrypt(f.code_verifier, bound)), bound), f.state);
    }
    const keys = db.prepare('SELECT name, key FROM server_keys').all() as { name: string; key: Buffer }[];
    const writeKey = db.prepare('UPDATE server_keys SET key = ? WHERE name = ?');
    for (const k of keys) {
      const bound = `server_keys:${k.name}`;
      // A key an earlier version left in plain text is sealed under the new key directly.
      const plain = k.key.length === PLAIN_KEY_BYTES
        ? k.key.toString('base64')
        : open(`server key ${k.name}`, () => from.decrypt(k.key.toString('utf8'), bound));
      writeKey.run(Buffer.from(to.encrypt(plain, bound)), k.name);
      report.serverKeys++;
    }
  }, { exclusive: true });
  return report;
}
