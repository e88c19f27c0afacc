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

/** What a rotation reads: every sealed value, from either backend. */
export interface SealedRows {
  /** Connections hold the accounts' secrets; bindings (integrations rows) hold none ('') and plain overrides. */
  accounts: Array<{ table: 'connections' | 'integrations'; id: string; credentials_enc: string; webhook_secret_enc: string; configuration: string }>;
  /** OAuth connect flows in progress (10 minutes at most), whose PKCE verifier must stay usable. */
  flows: Array<{ state: string; code_verifier: string }>;
  keys: Array<{ name: string; key: Buffer }>;
}

/**
 * The same rows sealed under `to` (each value opened with `from`), and what was re-sealed: the
 * part of a rotation both backends share (rotateKeyEncryptionKey; on PostgreSQL
 * postgres/key-rotation.ts).
 *
 * @throws KeyError naming the first value `from` does not open
 */
export function resealRows(rows: SealedRows, from: CredentialCipher, to: CredentialCipher): { rows: SealedRows; report: RotationReport } {
  const report: RotationReport = { integrations: 0, configurationSecrets: 0, serverKeys: 0 };
  const open = (what: string, fn: () => string) => {
    try {
      return fn();
    } catch (error) {
      throw new KeyError(`the current key does not open ${what} (wrong key?); nothing was changed`, { cause: error });
    }
  };
  const accounts = rows.accounts.map((r) => {
    const what = r.table === 'connections' ? 'connection' : 'integration';
    const reseal = (sealed: string, label: string) => (sealed === '' ? '' : to.encrypt(open(`the ${label} of ${what} ${r.id}`, () => from.decrypt(sealed, r.id)), r.id));
    let sealed = 0;
    const counting: CredentialCipher = {
      encrypt: (plain, bound) => { sealed++; return to.encrypt(plain, bound); },
      decrypt: to.decrypt,
    };
    const stored = JSON.parse(r.configuration) as Record<string, unknown>;
    const configuration = open(`the configuration of ${what} ${r.id}`, () => JSON.stringify(resealConfiguration(stored, from, counting, r.id)));
    const out = { ...r, credentials_enc: reseal(r.credentials_enc, 'credentials'), webhook_secret_enc: reseal(r.webhook_secret_enc, 'webhook secret'), configuration };
    if (r.table === 'connections') report.integrations++;
    report.configurationSecrets += sealed;
    return out;
  });
  const flows = rows.flows.map((f) => {
    const bound = `oauth_flow:${f.state}`;
    return { state: f.state, code_verifier: to.encrypt(open(`OAuth flow ${f.state.slice(0, 8)}…`, () => from.decrypt(f.code_verifier, bound)), bound) };
  });
  const keys = rows.keys.map((k) => {
    const bound = `server_keys:${k.name}`;
    // A key an earlier version left in plain text is sealed under the new key directly.
    const plain = k.key.length === PLAIN_KEY_BYTES
      ? k.key.toString('base64')
      : open(`server key ${k.name}`, () => from.decrypt(k.key.toString('utf8'), bound));
    report.serverKeys++;
    return { name: k.name, key: Buffer.from(to.encrypt(plain, bound)) };
  });
  return { rows: { accounts, flows, keys }, report };
}

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
  let report!: RotationReport;
  scrubbed(db, () => {
    const accounts = (['connections', 'integrations'] as const).flatMap((table) => (db.prepare(`SELECT id, credentials_enc, webhook_secret_enc, configuration FROM ${table}`)
      .all() as Omit<SealedRows['accounts'][number], 'table'>[]).map((r) => ({ table, ...r })));
    const flows = db.prepare('SELECT state, code_verifier FROM oauth_flows WHERE used_at IS NULL').all() as SealedRows['flows'];
    const keys = db.prepare('SELECT name, key FROM server_keys').all() as SealedRows['keys'];
    const resealed = resealRows({ accounts, flows, keys }, from, to);
    report = resealed.report;
    const writeAccount = {
      connections: db.prepare('UPDATE connections SET credentials_enc = ?, webhook_secret_enc = ?, configuration = ? WHERE id = ?'),
      integrations: db.prepare('UPDATE integrations SET credentials_enc = ?, webhook_secret_enc = ?, configuration = ? WHERE id = ?'),
    };
    for (const r of resealed.rows.accounts) writeAccount[r.table].run(r.credentials_enc, r.webhook_secret_enc, r.configuration, r.id);
    const writeFlow = db.prepare('UPDATE oauth_flows SET code_verifier = ? WHERE state = ?');
    for (const f of resealed.rows.flows) writeFlow.run(f.code_verifier, f.state);
    const writeKey = db.prepare('UPDATE server_keys SET key = ? WHERE name = ?');
    for (const k of resealed.rows.keys) writeKey.run(k.key, k.name);
  }, { exclusive: true });
  return report;
}
