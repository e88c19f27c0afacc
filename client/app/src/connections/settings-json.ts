/**
 * The "More settings" box of the connect forms: a JSON object of the adapter's configuration
 * (an API root for a proxy or sandbox, a customer e-mail…), merged over the fields the form sets.
 * Returns the object, or a sentence saying what is wrong.
 */
export function parseSettings(text: string): Record<string, unknown> | string {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `More settings is not JSON (${(error as Error).message}).`;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'More settings must be a JSON object, like {"calendarId": "primary"}.';
  return value as Record<string, unknown>;
}
