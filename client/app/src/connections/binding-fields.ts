import type { ConnectionSummary } from './connections-api.ts';

/** A setting a wedding's binding must carry for this connection, asked for beside Bind. */
export interface BindingField {
  /** The key in the binding's `configuration`. */
  key: string;
  label: string;
  type: 'email';
  hint: string;
}

/**
 * What a connection needs from each wedding it is bound to, beyond the vendor: a Stripe account
 * that requests payments as invoices (its default) addresses each wedding's invoices to that
 * wedding's couple (`customerEmail`), unless the connection itself names a customer
 * (adapters/stripe/config.ts; without it the server refuses the bind with `invalid_config`).
 */
export function bindingFields(c: Pick<ConnectionSummary, 'system' | 'configuration'>): BindingField[] {
  const k = c.configuration;
  if (c.system === 'stripe' && (k.requestAs ?? 'invoice') === 'invoice' && k.direction !== 'inbound' && !k.customerEmail && !k.customerId) {
    return [{ key: 'customerEmail', label: 'Couple’s e-mail for Stripe invoices', type: 'email', hint: 'Each wedding’s invoices are addressed to its couple.' }];
  }
  return [];
}
