import { ownPart, ROLES, type Part, type Role } from '../../schema/index.ts';

/** The part a token's role receives everything from (see ConnectOptions.part); null when the token says nothing. */
export function partForToken(token: string): Part {
  try {
    const payload = token.split('.')[1];
    if (!payload) return null;
    const claims = JSON.parse(new TextDecoder().decode(base64UrlBytes(payload))) as { role?: unknown; vendorId?: unknown };
    if (typeof claims.role !== 'string' || !(ROLES as readonly string[]).includes(claims.role)) return null;
    return ownPart(claims.role as Role, typeof claims.vendorId === 'string' ? claims.vendorId : undefined);
  } catch {
    return null;
  }
}

function base64UrlBytes(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(b64);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
