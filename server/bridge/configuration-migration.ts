import { findSecretValues, type AdapterDefinition } from '../../adapters/core/index.ts';
import type { Logger } from '../logger.ts';
import type { Db } from '../storage/database.ts';
import { scrubbed } from '../storage/scrub.ts';
import { openConfiguration, sealConfiguration, unsealedSecrets } from './configuration-secrets.ts';
import type { CredentialCipher } from './credential-cipher.ts';

/**
 * Configurations stored before their secret fields were declared (or before secrets in
 * configurations were encrypted at all) hold those secrets in plain text. At start-up each row is
 * read with its adapter's schema and every secret still plain is sealed, all rows in one
 * transaction; the old bytes are scrubbed from the database file and its WAL (see scrub.ts).
 * Rows whose adapter is unknown are left as they are (their URLs are still redacted when shown).
 *
 * Configurations live on connections (migration 020); a connection made from a wedding has the
 * id the integration had, so the sealed values stay bound to it.
 *
 * @returns the ids of the connections whose configuration was sealed
 */
export async function sealPlainConfigurations(
  db: Db, cipher: CredentialCipher, definitionOf: (system: string) => Promise<AdapterDefinition>, logger: Logger,
): Promise<string[]> {
  const rows = db.prepare('SELECT id, system, configuration FROM connections')
    .all() as { id: string; system: string; configuration: string }[];
  const updates: { id: string; configuration: string }[] = [];
  for (const row of rows) {
    let definition: AdapterDefinition;
    try {
      definition = await definitionOf(row.system);
    } catch (error) {
      logger.warn({ err: error, integrationId: row.id, system: row.system }, 'configuration not checked for plain secrets: its adapter could not be loaded');
      continue;
    }
    let stored: Record<string, unknown>;
    let plain: Record<string, unknown>;
    try {
      stored = JSON.parse(row.configuration) as Record<string, unknown>;
      plain = openConfiguration(stored, cipher, row.id);
    } catch (error) {
      // A row whose sealed values do not open is left as it is: it starts as unreadable
      // (connection-rows.ts), and one such row must not keep every other connection from starting.
      logger.warn({ err: error, integrationId: row.id, system: row.system }, 'configuration not checked for plain secrets: it could not be read');
      continue;
    }
    const secrets = findSecretValues(definition.configuration, plain);
    if (unsealedSecrets(stored, secrets).length === 0) continue;
    updates.push({ id: row.id, configuration: JSON.stringify(sealConfiguration(plain, secrets, cipher, row.id)) });
  }
  if (updates.length === 0) return [];
  const write = db.prepare('UPDATE connections SET configuration = ? WHERE id = ?');
  scrubbed(db, () => { for (const u of updates) write.run(u.configuration, u.id); });
  logger.info({ integrations: updates.map((u) => u.id) }, 'sealed secrets stored in plain text by an earlier version');
  return updates.map((u) => u.id);
}
