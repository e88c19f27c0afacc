/** The plan form's "Requested through" choices: value (the payment's `processor`, '' for none) and label. */
export const PROCESSORS = [['', 'None: tracked by hand'], ['stripe', 'Stripe (invoice)'], ['square', 'Square (payment link)'], ['paypal', 'PayPal (order)']] as const;

/** "A", "A or B", "A, B or C". */
export const orList = (names: readonly string[]): string => (names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0] ?? '');

/**
 * What the plan form says about processors, given the systems connected to the wedding (not
 * disabled): the names of the processors connected and of those not, in the form's order; null when
 * every processor is connected (nothing to say).
 */
export function processorHint(connected: ReadonlySet<string>): { connected: string[]; missing: string[] } | null {
  const names = PROCESSORS.filter(([value]) => value !== '').map(([value, label]) => ({ value, name: label.replace(/ \(.*\)$/, '') }));
  const missing = names.filter((p) => !connected.has(p.value)).map((p) => p.name);
  if (missing.length === 0) return null;
  return { connected: names.filter((p) => connected.has(p.value)).map((p) => p.name), missing };
}
