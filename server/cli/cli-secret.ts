import { resolveAuthSecret, type ResolvedSecret } from '../auth/secret.ts';
import type { Config } from '../config.ts';
import { CliError } from './main.ts';

/**
 * The secret the servers sign tokens with, for a CLI command that signs one: AUTH_SECRET, else
 * DATA_DIR's `auth-secret` (created when `create`, as the server does on its first start). With
 * DATABASE_URL only AUTH_SECRET will do: the instances of a cluster all sign with it, and no data
 * directory holds it (server/cli/serve.ts refuses to start without it).
 *
 * @throws CliError (exit 2) with DATABASE_URL and no AUTH_SECRET; (exit 1) when there is no secret
 *   and `create` is false, or DATA_DIR's is too short
 */
export function cliAuthSecret(config: Pick<Config, 'AUTH_SECRET' | 'DATABASE_URL' | 'dataDir'>, create: boolean): ResolvedSecret {
  if (config.DATABASE_URL && !config.AUTH_SECRET) {
    throw new CliError("DATABASE_URL is set but AUTH_SECRET is not: a cluster's instances sign tokens with AUTH_SECRET; set the same one for this command", 2);
  }
  try {
    return resolveAuthSecret(config.AUTH_SECRET, config.dataDir, create);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
