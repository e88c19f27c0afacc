import { SignJWT } from 'jose';
import type { Role } from '../../schema/index.ts';
import { createTokenService } from '../../server/auth/tokens.ts';
import { TEST_SECRET } from './test-server.ts';

const service = createTokenService(TEST_SECRET);

/** A token signed with the test servers' secret. */
export function testToken(role: Role, weddings: string[], sub = `${role}-user`, ttlSeconds = 3600): Promise<string> {
  return service.sign({ sub, role, weddings }, ttlSeconds);
}

/** A token that expired a minute ago. */
export function expiredToken(role: Role, weddings: string[]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role, weddings })
    .setProtectedHeader({ alg: 'HS256' }).setSubject('late').setIssuer('wedsync-hub')
    .setIssuedAt(now - 3600).setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

/** A token with valid claims signed with another secret. */
export function foreignToken(role: Role, weddings: string[]): Promise<string> {
  return createTokenService('another-secret-0123456789-abcdefghijklmnop').sign({ sub: 'mallory', role, weddings }, 3600);
}
