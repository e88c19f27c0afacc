import type { AdapterDefinition } from '../../adapters/core/index.ts';
import { newSecretUrlToken } from '../../adapters/webhooks/secret-url.ts';
import { BridgeError } from './bridge-error.ts';

/**
 * The secret URL token of the universal adapters (`webhooks`, `preset`: a delivery to
 * `<webhookUrl>?token=<token>` needs no signature) is made by the server: 256 random bits,
 * base64url, generated at connect and at `POST /api/connections/:id/rotate-url-token`, stored
 * sealed with the configuration's other secrets and shown only in those two answers (`secretUrl`).
 * Nobody chooses it, so it is never a guessable word.
 */
export const URL_TOKEN_FIELD = 'secretUrlToken';

/** Whether the system's configuration has a secret URL token (its zod object declares the field). */
export function takesUrlToken(definition: AdapterDefinition): boolean {
  const shape = (definition.configuration as { shape?: Record<string, unknown> }).shape;
  return !!shape && URL_TOKEN_FIELD in shape;
}

/**
 * Refuses what only the server sets in a configuration (`configuration` a caller's body, `stored` the
 * connection's configuration view, `{}` at connect): the secret URL token (its redacted view sent
 * back is not one), and the previous signing secret and its end, set by a rotation
 * (webhook-secret-rotation.ts; the end may be sent back as it is).
 * @throws BridgeError `invalid_config` with `details.issues`.
 */
export function refuseServerMadeFields(configuration: Record<string, unknown> | undefined, stored: Record<string, unknown>): void {
  if (!configuration) return;
  const refuse = (field: string, message: string) => {
    throw new BridgeError('invalid_config', `${field} ${message}`, { details: { issues: [{ path: `configuration.${field}`, message }] } });
  };
  if (typeof configuration[URL_TOKEN_FIELD] === 'string') {
    refuse(URL_TOKEN_FIELD, 'is made by the server: it is returned once when you connect; POST /api/connections/:id/rotate-url-token makes a new one');
  }
  if (typeof configuration.previousWebhookSecret === 'string') refuse('previousWebhookSecret', 'is kept by the server when the signing secret is rotated (POST /api/connections/:id/rotate-webhook-secret)');
  if ('previousWebhookSecretExpiresAt' in configuration && configuration.previousWebhookSecretExpiresAt !== stored.previousWebhookSecretExpiresAt) {
    refuse('previousWebhookSecretExpiresAt', 'is set by the server when the signing secret is rotated (POST /api/connections/:id/rotate-webhook-secret)');
  }
}

/** The configuration with a new token, when the system takes one; and the token (null when not). */
export function withNewUrlToken(definition: AdapterDefinition, configuration: Record<string, unknown>): { configuration: Record<string, unknown>; token: string | null } {
  if (!takesUrlToken(definition)) return { configuration, token: null };
  const token = newSecretUrlToken();
  return { configuration: { ...configuration, [URL_TOKEN_FIELD]: token }, token };
}

/** The full secret URL: the connection's webhook URL with its token. */
export function secretUrlOf(webhookUrl: string, token: string): string {
  const url = new URL(webhookUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
