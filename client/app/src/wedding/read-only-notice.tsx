import type { Role } from '../../../sdk/index.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

/** Vendor: what it can do on the tab it is on (trial 24: "View only" sat above its Acknowledge buttons). */
const VENDOR_HERE = lookupTable<string>({
  inbox: 'Acknowledge each message below so the planner sees you have read it.',
  budget: 'These are your payments for this wedding, as the planner records them.',
});

/**
 * What this role can do in the shared views, and where its own changes are made. Neither the couple
 * nor a vendor is "view only": the couple enters guest numbers, proposes changes and acknowledges
 * messages; a vendor sets its call times and crew notes and acknowledges messages. So their notices
 * lead with that instead of a heading their own screens contradict. `view` is the open tab.
 */
export function ReadOnlyNotice({ role, view }: { role: Role; view?: string }) {
  if (role === 'couple') {
    return (
      <p class="read-only-notice">
        <strong>What you can do here.</strong> Enter your guest numbers under “Our day”, propose a change to the
        timeline under “Proposals” (the planner accepts or declines), and acknowledge messages in “Inbox”. The rest
        you follow as the planner changes it.
      </p>
    );
  }
  if (role === 'vendor') {
    const here = view ? VENDOR_HERE[view] : undefined;
    return (
      <p class="read-only-notice">
        <strong>What you can do here.</strong> {here ? `${here} ` : ''}Set your call times, crew notes and contact details
        under “My schedule”, and acknowledge messages in “Inbox”. The rest you follow as the planner changes it; ask the
        planner for other changes.
      </p>
    );
  }
  return (
    <p class="read-only-notice">
      <strong>View only.</strong> You are signed in as the {role} role: you can follow the wedding and who is working on what.{' '}
      Ask the planner for changes.
    </p>
  );
}
