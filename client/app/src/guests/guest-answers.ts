// The guests' answers against the invited count: coming, not coming and not answered yet are the
// invited guests split three ways, so together they should not pass the invited count. More is
// allowed (the answers may come in before a planner raises the invited count), but never silently.

/** `1,200`: counts as the form's own hints write them (a number format: no zone is involved). */
const COUNT = new Intl.NumberFormat('en-GB');
const formatCount = (n: number): string => COUNT.format(n);

export interface GuestCounts {
  count: number;
  rsvpYes: number;
  rsvpNo: number;
  rsvpPending: number;
}

/** How many more the answers (coming, not coming, not answered) are than the invited count; 0 when not more. */
export function answersOver(g: GuestCounts): number {
  return Math.max(0, g.rsvpYes + g.rsvpNo + g.rsvpPending - g.count);
}

/** What a save says when the answers are more than invited: `…saved, though the answers are 2 more than the 120 invited.` */
export function savedWords(g: GuestCounts): string {
  const over = answersOver(g);
  return over === 0 ? 'Guest numbers saved.' : `Guest numbers saved, though the answers are ${formatCount(over)} more than the ${formatCount(g.count)} invited.`;
}

/**
 * `The answers add up to 122 (96 coming, 14 not coming, 12 not answered): 2 more than the 120
 * invited. Raise Invited, or check the answers.`, or null when they are not more than invited.
 */
export function answersOverInvited(g: GuestCounts): string | null {
  const over = answersOver(g);
  if (over === 0) return null;
  const total = g.count + over;
  return `The answers add up to ${formatCount(total)} (${formatCount(g.rsvpYes)} coming, ${formatCount(g.rsvpNo)} not coming, ${formatCount(g.rsvpPending)} not answered): `
    + `${formatCount(over)} more than the ${formatCount(g.count)} invited. Raise Invited, or check the answers.`;
}
