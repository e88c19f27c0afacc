import type { Role } from '../../../sdk/index.ts';

/**
 * What this role can do in the shared views, and where its own changes are made. The couple is not
 * "view only": it enters guest numbers, proposes changes and acknowledges messages, so its notice
 * leads with that instead of a heading its own screens contradict.
 */
export function ReadOnlyNotice({ role }: { role: Role }) {
  if (role === 'couple') {
    return (
      <p class="read-only-notice">
        <strong>What you can do here.</strong> Enter your guest numbers under “Our day”, propose a change to the
        timeline under “Proposals” (the planner accepts or declines), and acknowledge messages in “Inbox”. The rest
        you follow as the planner changes it.
      </p>
    );
  }
  const who = role === 'vendor' ? 'a vendor' : `the ${role} role`;
  return (
    <p class="read-only-notice">
      <strong>View only.</strong> You are signed in as {who}: you can follow the wedding and who is working on what.{' '}
      {role === 'vendor' ? 'Set your call times, crew notes and contact details under “My schedule”; ask the planner for other changes.'
        : 'Ask the planner for changes.'}
    </p>
  );
}
