import { ROLES, TokenClaims, type Role } from '../../schema/index.ts';
import { createTokenService, parseTtl } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { cliAuthSecret } from './cli-secret.ts';
import { CliError, type CliIO, type CliOptions } from './main.ts';

export async function tokenCommand(config: Config, o: CliOptions, io?: Pick<CliIO, 'err'>): Promise<string> {
  if (!o.role) throw new CliError(`--role is required (${ROLES.join(', ')})`, 2);
  if (!(ROLES as readonly string[]).includes(o.role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`, 2);
  const role = o.role as Role;
  const weddings = (o.wedding ?? []).flatMap((w) => w.split(',')).map((w) => w.trim()).filter(Boolean);
  if (role === 'admin' && weddings.length === 0) weddings.push('*');
  if (weddings.length === 0) throw new CliError('--wedding is required (repeat it or separate ids with commas)', 2);
  let ttl: number;
  try {
    ttl = parseTtl(o.ttl ?? (role === 'adapter' ? '30d' : '12h'));
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  const claims = TokenClaims.safeParse({
    sub: o.sub ?? `${role}-${weddings.join('-').slice(0, 40).replaceAll('*', 'all')}`,
    role, weddings,
    ...(o.name ? { name: o.name } : {}),
    ...(o['vendor-id'] ? { vendorId: o['vendor-id'] } : {}),
  });
  if (!claims.success) throw new CliError(`invalid token claims: ${claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 2);
  const resolved = cliAuthSecret(config, true);
  // A token signed with a secret no server uses is refused as token_invalid: say so on stderr (stdout holds only the token).
  if (resolved.source === 'generated') io?.err(`wedsync: no auth secret in ${config.dataDir}, so a new one was created in ${resolved.file}; only a server started with DATA_DIR=${config.dataDir} (or that AUTH_SECRET) accepts this token`);
  return createTokenService(resolved.secret).sign(claims.data, ttl);
}
