import type { Role } from '../../../sdk/index.ts';
import { lookupTable } from '../../../../schema/own-keys.ts';

/** The couple, on a tab other than the timeline: what they do on that tab (no line: the tab needs none). */
const COUPLE_HERE = lookupTable<string>({
  'our-day': 'Enter your guest numbers and dietary counts below; the rest of this page follows the planner’s changes.',
  proposals: 'Propose a change to an event below; nothing moves until the planner accepts it.',
  inbox: 'Acknowledge each message below so the planner sees you have read it.',
  budget: 'These are the wedding’s payments, as the planner records them.',
});

/** A vendor, on a tab other than the timeline (trial 24: "View only" sat above its Acknowledge buttons). */
const VENDOR_HERE = lookupTable<string>({
  inbox: 'Acknowledge each message below so the planner sees you have read it.',
  budget: 'These are your payments for this wedding, as the planner records them.',
});

/**
 * What this role can do in the shared views, and where its own changes are made. Neither the couple
 * nor a vendor is "view only": the couple enters guest numbers, proposes changes, comments and
 * acknowledges messages; a vendor sets its call times and crew notes, comments and acknowledges
 * messages. So their notices lead with that instead of a heading their own screens contradict. The
 * whole notice is on the timeline (the first tab); another tab (`view`) says only what is done
 * there, or nothing (couple trial: the same paragraph above every tab).
 */
export function ReadOnlyNotice({ role, view = 'timeline' }: { role: Role; view?: string }) {
  if (role === 'couple' || role === 'vendor') {
    if (view !== 'timeline') {
      const here = (role === 'couple' ? COUPLE_HERE : VENDOR_HERE)[view];
      return here ? <p class="read-only-notice"><strong>What you can do here.</strong> {here}</p> : null;
    }
    return (
      <p class="read-only-notice">
        <strong>What you can do here.</strong>{' '}
        {role === 'couple'
          ? 'Enter your guest numbers under “Our day”, propose a change to the timeline under “Proposals” (the planner accepts or declines), and acknowledge messages in “Inbox”.'
          : 'Set your call times, crew notes and contact details under “My schedule”, and acknowledge messages in “Inbox”.'}
        {' '}Open an event with “View” to read it and comment on it. The rest you follow as the planner changes it
        {role === 'vendor' ? '; ask the planner for other changes.' : '.'}
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
