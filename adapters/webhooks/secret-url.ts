import crypto from 'node:crypto';

/**
 * The secret URL: for senders that cannot compute an HMAC (Zapier's "Webhooks by Zapier" action
 * posts plain JSON), knowing the connection's URL with its token is the credential, as with
 * Zapier's own catch hooks. The token travels in the query (`?token=…`): the path is the server's
 * (`/api/integrations/webhook/<system>/<connectionId>`).
 */

/** A new token: 256 random bits, base64url (43 characters). */
export function newSecretUrlToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** The query parameter `name` of a request URL, or undefined. */
export function queryParam(url: string, name: string): string | undefined {
  try {
    return new URL(url, 'http://localhost').searchParams.get(name) ?? undefined;
  } catch {
    return undefined;
  }
}
