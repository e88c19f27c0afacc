import type { StripeSandbox } from '../../adapters/stripe/sandbox.ts';
import type { VscoSandbox } from '../../adapters/vsco-workspace/sandbox.ts';
import { HttpError } from '../http/http-error.ts';
import { demoWeddingDate } from './demo-wedding.ts';

/** Couples whose inquiries the simulated contact form sends, in turn. */
const COUPLES = [
  ['Maria', 'Lopez', 'Tom', 'Berg'], ['Priya', 'Shah', 'Sam', 'Okafor'], ['Lena', 'Park', 'Jonas', 'Weber'], ['Chloe', 'Martin', 'Ravi', 'Iyer'],
] as const;

/**
 * The `n`th couple (0-based) fill in the studio's website contact form: VSCO's legacy New Lead
 * endpoint makes a lead job and fires `job.created` to the hub, which makes a wedding from it.
 * Throws HttpError 502 `sandbox_failed` when the sandbox does not take the form.
 */
export async function sendInquiry(vsco: VscoSandbox, n: number, now: number): Promise<{ couple: string; date: string }> {
  const [first, last, partnerFirst, partnerLast] = COUPLES[n % COUPLES.length]!;
  const date = demoWeddingDate(now, 200 + 7 * (n + 1));
  const res = await fetch(vsco.leadFormUrl, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
    body: new URLSearchParams({
      SecretKey: vsco.leadSecretKey, JobType: 'Wedding', FirstName: first, LastName: last, Email: `${first.toLowerCase()}@demo.example`,
      SpouseFirstName: partnerFirst, SpouseLastName: partnerLast, EventDate: date, GuestCount: '100',
    }).toString(),
  });
  if (!res.ok) throw new HttpError(502, 'sandbox_failed', `the VSCO Workspace sandbox answered ${res.status}`);
  return { couple: `${first} ${last} & ${partnerFirst} ${partnerLast}`, date };
}

/** The open Stripe invoices of `weddingId` in the sandbox, the one due first (the deposit) first. */
export function openInvoices(stripe: StripeSandbox, weddingId: string): Array<Record<string, unknown>> {
  return [...stripe.objects.values()]
    .filter((o) => o.object === 'invoice' && o.status === 'open' && (o.metadata as Record<string, string> | undefined)?.wedsync_wedding_id === weddingId)
    // Stripe's `created` has one-second steps.
    .sort((a, b) => (Number(a.due_date) || 0) - (Number(b.due_date) || 0) || (a.created as number) - (b.created as number));
}
