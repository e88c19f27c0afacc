import { z } from 'zod';
import { FeedCreateBody } from '../schema/api/calendar.ts';
import { AcuityConfiguration, AcuityCredentials } from './acuity/config.ts';
import { CalDavConfiguration, CalDavCredentials } from './caldav/config.ts';
import { CalendlyConfiguration, CalendlyCredentials } from './calendly/config.ts';
import { EmailConfiguration, EmailCredentials } from './email/config.ts';
import { EventTempleConfiguration, EventTempleCredentials } from './event-temple/config.ts';
import { GoogleCalendarConfiguration, GoogleCalendarCredentials } from './google-calendar/config.ts';
import { OutlookConfiguration, OutlookCredentials } from './outlook/config.ts';
import { PaypalConfiguration, PaypalCredentials } from './paypal/config.ts';
import { SlackConfiguration, SlackCredentials } from './slack/config.ts';
import { SquareConfiguration, SquareCredentials } from './square/config.ts';
import { StripeConfiguration, StripeCredentials } from './stripe/config.ts';
import { TeamsConfiguration, TeamsCredentials } from './teams/config.ts';
import { TwilioConfiguration, TwilioCredentials } from './twilio/config.ts';
import { VscoConfiguration, VscoCredentials } from './vsco-workspace/config.ts';
import { PresetConfiguration, WebhooksConfiguration, WebhooksCredentials } from './webhooks/config.ts';
import { isDeclaredSecret } from './core/secret-fields.ts';

/**
 * How a person proves the account is theirs when connecting:
 * - `oauth`: signs in at the provider (docs/oauth.md: `POST /api/connections/oauth/{provider}/start`);
 * - `api_key`: pastes a key or token the system issues;
 * - `basic`: a user name and password (or account id and token) sent as HTTP Basic / SMTP AUTH;
 * - `client_credentials`: an app's client id and secret (OAuth 2.0 client credentials grant);
 * - `signing_secret`: nothing to paste; deliveries are signed with a secret we issue (Standard Webhooks);
 * - `secret_url`: nothing to paste; the system posts to a URL carrying a secret token (`?token=`),
 *   or reads one (an ICS feed's URL).
 */
export const AUTH_KINDS = ['oauth', 'api_key', 'basic', 'client_credentials', 'signing_secret', 'secret_url'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** The credentials and configuration schemas of each API adapter, as its config.ts declares them. */
export const ADAPTER_SCHEMAS: Record<string, { credentials: z.ZodType; configuration: z.ZodType; auth: AuthKind; oauthProvider?: 'google' | 'microsoft' }> = {
  'vsco-workspace': { credentials: VscoCredentials, configuration: VscoConfiguration, auth: 'api_key' },
  'event-temple': { credentials: EventTempleCredentials, configuration: EventTempleConfiguration, auth: 'api_key' },
  acuity: { credentials: AcuityCredentials, configuration: AcuityConfiguration, auth: 'basic' },
  calendly: { credentials: CalendlyCredentials, configuration: CalendlyConfiguration, auth: 'api_key' },
  stripe: { credentials: StripeCredentials, configuration: StripeConfiguration, auth: 'api_key' },
  square: { credentials: SquareCredentials, configuration: SquareConfiguration, auth: 'api_key' },
  paypal: { credentials: PaypalCredentials, configuration: PaypalConfiguration, auth: 'client_credentials' },
  slack: { credentials: SlackCredentials, configuration: SlackConfiguration, auth: 'api_key' },
  teams: { credentials: TeamsCredentials, configuration: TeamsConfiguration, auth: 'secret_url' },
  email: { credentials: EmailCredentials, configuration: EmailConfiguration, auth: 'basic' },
  twilio: { credentials: TwilioCredentials, configuration: TwilioConfiguration, auth: 'basic' },
  'google-calendar': { credentials: GoogleCalendarCredentials, configuration: GoogleCalendarConfiguration, auth: 'oauth', oauthProvider: 'google' },
  outlook: { credentials: OutlookCredentials, configuration: OutlookConfiguration, auth: 'oauth', oauthProvider: 'microsoft' },
  caldav: { credentials: CalDavCredentials, configuration: CalDavConfiguration, auth: 'basic' },
  webhooks: { credentials: WebhooksCredentials, configuration: WebhooksConfiguration, auth: 'signing_secret' },
  preset: { credentials: WebhooksCredentials, configuration: PresetConfiguration, auth: 'secret_url' },
};

/** One input of a connect form. */
export interface FormField {
  /** The key, in `credentials`, `configuration` or the request body. */
  name: string;
  in: 'credentials' | 'configuration' | 'body';
  /** JSON Schema type (`string`, `integer`, `boolean`, `array`, `object`), or `any`. */
  type: string;
  required: boolean;
  /** Stored encrypted and never shown again: every credential, and configuration declared `secret(…)`. */
  secret: boolean;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  /** For credentials that come in alternative forms (an API key or an OAuth token): which one (0-based). */
  alternative?: number;
}

/** What a person fills in to connect a system, and where it is sent. */
export interface ConnectForm {
  /** The request that connects it. */
  endpoint: 'POST /api/integrations/vendor/connect' | 'POST /api/connections/oauth/{provider}/start' | 'POST /api/calendar/feeds';
  /** `system` in the request body. */
  system?: string;
  auth: AuthKind;
  oauthProvider?: 'google' | 'microsoft';
  /** Values the form sends as they are (the preset's id). */
  fixed?: { configuration: Record<string, unknown> };
  fields: FormField[];
  /** JSON Schema (draft 2020-12, input side) of what is sent; secrets carry `writeOnly: true`. */
  schemas: { credentials?: unknown; configuration?: unknown; body?: unknown };
}

type Json = Record<string, unknown>;

/** JSON Schema of a zod schema's input, with `writeOnly: true` on fields declared secret. */
export function jsonSchemaOf(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      if (isDeclaredSecret(ctx.zodSchema as unknown as z.ZodType)) (ctx.jsonSchema as Json).writeOnly = true;
    },
  }) as Json;
}

function typeOf(s: Json): string {
  if (typeof s.type === 'string') return s.type;
  const options = (s.anyOf ?? s.oneOf) as Json[] | undefined;
  const types = new Set((options ?? []).map((o) => typeOf(o)));
  return types.size === 1 ? [...types][0]! : 'any';
}

function isSecret(s: Json): boolean {
  if (s.writeOnly === true) return true;
  const options = (s.anyOf ?? s.oneOf ?? s.allOf) as Json[] | undefined;
  return (options ?? []).some(isSecret);
}

/** The top-level fields of an object schema, or of each alternative of a union of objects. */
export function fieldsOf(schema: Json, where: FormField['in'], omit: readonly string[] = []): FormField[] {
  const alternatives = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (alternatives && !schema.properties) {
    return alternatives.flatMap((alt, i) => fieldsOf(alt, where, omit).map((f) => ({ ...f, alternative: i })));
  }
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const props = (schema.properties ?? {}) as Record<string, Json>;
  return Object.entries(props).filter(([name]) => !omit.includes(name)).map(([name, p]) => ({
    name,
    in: where,
    type: typeOf(p),
    required: required.has(name),
    secret: where === 'credentials' || isSecret(p),
    ...(typeof p.description === 'string' ? { description: p.description } : {}),
    ...(p.default !== undefined ? { default: p.default } : {}),
    ...(Array.isArray(p.enum) ? { enum: p.enum } : {}),
    ...(typeof p.format === 'string' ? { format: p.format } : {}),
  }));
}

/** The connect form of an API adapter (or the `preset` adapter with a preset's id fixed). Throws for an unknown system. */
export function adapterForm(system: string, preset?: string): ConnectForm {
  const schemas = ADAPTER_SCHEMAS[system];
  if (!schemas) throw new Error(`no connect schemas for adapter ${system}`);
  const credentials = jsonSchemaOf(schemas.credentials);
  const configuration = jsonSchemaOf(schemas.configuration);
  // Made by the server, never a field to fill in: the secret URL's token (at connect, then by its own
  // rotation), and a rotated signing secret's previous value and end.
  const omit = [...(preset ? ['preset'] : []), ...(schemas.auth === 'secret_url' || system === 'webhooks' ? ['secretUrlToken'] : []), 'previousWebhookSecret', 'previousWebhookSecretExpiresAt'];
  return {
    endpoint: schemas.oauthProvider ? 'POST /api/connections/oauth/{provider}/start' : 'POST /api/integrations/vendor/connect',
    system,
    auth: schemas.auth,
    ...(schemas.oauthProvider ? { oauthProvider: schemas.oauthProvider } : {}),
    ...(preset ? { fixed: { configuration: { preset } } } : {}),
    // With OAuth the provider issues the credentials: the form asks only for the configuration.
    fields: [...(schemas.oauthProvider ? [] : fieldsOf(credentials, 'credentials')), ...fieldsOf(configuration, 'configuration', omit)],
    schemas: { credentials, configuration },
  };
}

/** The form that makes an ICS feed (`POST /api/calendar/feeds`): the feed's URL is its secret. */
export function feedForm(): ConnectForm {
  const body = jsonSchemaOf(FeedCreateBody);
  return { endpoint: 'POST /api/calendar/feeds', auth: 'secret_url', fields: fieldsOf(body, 'body'), schemas: { body } };
}
