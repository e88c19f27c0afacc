/** Names of the document's top-level shared types (docs/schema.md; their shapes: layout.ts). */
export const ROOT = {
  meta: 'meta',
  timeline: 'timeline',
  vendors: 'vendors',
  guests: 'guests',
  payments: 'payments',
  messages: 'messages',
  conflicts: 'conflicts',
  contacts: 'contacts',
  tasks: 'tasks',
  budget: 'budget',
} as const;
