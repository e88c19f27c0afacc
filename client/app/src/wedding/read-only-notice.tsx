import type { Role } from '../../../sdk/index.ts';

/** Why every control is disabled: referenced by the disabled controls' aria-describedby. */
export function ReadOnlyNotice({ id, role }: { id: string; role: Role }) {
  const who = role === 'vendor' ? 'a vendor' : role === 'couple' ? 'the couple' : `the ${role} role`;
  return (
    <p class="read-only-notice" id={id}>
      <strong>View only.</strong> You are signed in as {who}: you can follow the wedding and who is working on what.{' '}
      {role === 'couple' ? 'Enter your guest numbers under “Our day”. To change the timeline, propose it under “Proposals”: the planner accepts or declines.'
        : role === 'vendor' ? 'Set your call times, crew notes and contact details under “My schedule”; ask the planner for other changes.'
        : 'Ask the planner for changes.'}
    </p>
  );
}
