import type { Role } from '../../../sdk/index.ts';

/** Why every control is disabled: referenced by the disabled controls' aria-describedby. */
export function ReadOnlyNotice({ id, role }: { id: string; role: Role }) {
  const who = role === 'vendor' ? 'a vendor' : role === 'couple' ? 'the couple' : `the ${role} role`;
  return (
    <p class="read-only-notice" id={id}>
      <strong>View only.</strong> You are signed in as {who}, so you can see everything and who is working on what, but
      not change it. Ask the planner for changes.
    </p>
  );
}
