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

/** Refuses a token a caller tries to set (its redacted view sent back is not one): it is the server's to make. */
export function refuseChosenUrlToken(configuration: Record<string, unknown> | undefined): void {
  if (configuration && typeof configuration[URL_TOKEN_FIELD] === 'string') {
    throw new BridgeError('invalid_config', `${URL_TOKEN_FIELD} is made by the server: it is returned once when you connect; POST /api/connections/:id/rotate-url-token makes a new one`, { details: { issues: [{ path: `configuration.${URL_TOKEN_FIELD}`, message: 'is made by the server when you connect' }] } });
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
