import { ROLES, TokenClaims, type Role } from '../../schema/index.ts';
import { resolveAuthSecret } from '../auth/secret.ts';
import { createTokenService, parseTtl } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { CliError, type CliOptions } from './main.ts';

export async function tokenCommand(config: Config, o: CliOptions): Promise<string> {
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
  const { secret } = resolveAuthSecret(config.AUTH_SECRET, config.dataDir);
  return createTokenService(secret).sign(claims.data, ttl);
}
