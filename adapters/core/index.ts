export * from './types.ts';
export * from './errors.ts';
export * from './config.ts';
export * from './fields.ts';
export * from './standard-webhooks.ts';
export * from './http-client.ts';
export * from './messaging.ts';
export * from './payment-events.ts';
