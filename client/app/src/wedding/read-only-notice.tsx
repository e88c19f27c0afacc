import type { Role } from '../../../sdk/index.ts';

/** Why this role finds no editing controls in the shared views, and where its own changes are made. */
export function ReadOnlyNotice({ role }: { role: Role }) {
  const who = role === 'vendor' ? 'a vendor' : role === 'couple' ? 'the couple' : `the ${role} role`;
  return (
    <p class="read-only-notice">
      <strong>View only.</strong> You are signed in as {who}: you can follow the wedding and who is working on what.{' '}
      {role === 'couple' ? 'Enter your guest numbers under “Our day”. To change the timeline, propose it under “Proposals”: the planner accepts or declines.'
        : role === 'vendor' ? 'Set your call times, crew notes and contact details under “My schedule”; ask the planner for other changes.'
        : 'Ask the planner for changes.'}
    </p>
  );
}
