import { useMemo, useState } from 'preact/hooks';
import type { WeddingDoc } from '../../../sdk/index.ts';
import { buildRunOfShow } from '../../../../schema/document/run-of-show.ts';
import { ApiError, describeApiError } from '../api/api-client.ts';
import type { Session } from '../session/token.ts';
import { humanize } from '../ui/labels.ts';
import { longDate, shortDate } from '../timeline/zoned-time.ts';
import { useAnnounce } from '../ui/use-announcer.ts';

interface Props {
  doc: WeddingDoc;
  version: number;
  weddingId: string;
  session: Session;
}

const WHOLE_DAY = '';

/**
 * The printable run-of-show: the whole day or one vendor's part, times in the wedding's zone, with
 * the contacts and notes this reader's document holds (its audience: a vendor sees its own contact
 * details, not other vendors'). Printed with the browser (print CSS in styles/people.css hides the app
 * around it) or downloaded as a PDF the server renders from the same reader's audience
 * (GET /api/weddings/{id}/run-of-show.pdf).
 */
export function RunOfShowView({ doc, version, weddingId, session }: Props) {
  const announce = useAnnounce();
  const ownVendor = session.claims.role === 'vendor' ? session.claims.vendorId ?? null : null;
  const [vendorId, setVendorId] = useState<string>(ownVendor ?? WHOLE_DAY);
  const [downloading, setDownloading] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const vendors = useMemo(() => doc.listVendors(), [doc, version]);
  const choices = ownVendor ? vendors.filter((v) => v.id === ownVendor) : vendors;
  const show = useMemo(() => buildRunOfShow(doc, vendorId || undefined), [doc, version, vendorId]);
  const part = show.vendor ? show.vendor.name : 'the whole day';

  const downloadPdf = async () => {
    setDownloading(true);
    setProblem(null);
    try {
      const token = session.refresh ? await session.refresh() : session.token;
      const query = vendorId ? `?vendorId=${encodeURIComponent(vendorId)}` : '';
      let res: Response;
      try {
        res = await fetch(`/api/weddings/${encodeURIComponent(weddingId)}/run-of-show.pdf${query}`, { headers: { authorization: `Bearer ${token}` } });
      } catch {
        throw new ApiError('offline', 'no connection to the server', undefined, undefined);
      }
      if (!res.ok) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new ApiError(res.status === 403 ? 'forbidden' : 'rejected', body?.error?.message ?? `HTTP ${res.status}`, res.status, undefined);
      }
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `${(show.title || 'wedding').replace(/[^A-Za-z0-9]+/g, '-')}-run-of-show${show.vendor ? `-${show.vendor.name.replace(/[^A-Za-z0-9]+/g, '-')}` : ''}.pdf`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      announce(`The run-of-show PDF for ${part} is downloading.`);
    } catch (error) {
      setProblem(describeApiError(error, 'The PDF'));
    } finally {
      setDownloading(false);
    }
  };

  return (
    <section class="run-of-show" aria-labelledby="ros-heading">
      <div class="section-head no-print">
        <h2 id="ros-heading">Run-of-show</h2>
        <label class="inline">
          <span>Show</span>
          <select value={vendorId} onChange={(e) => setVendorId(e.currentTarget.value)}>
            {!ownVendor && <option value={WHOLE_DAY}>The whole day</option>}
            {ownVendor && <option value={WHOLE_DAY}>The whole day (your view)</option>}
            {choices.map((v) => <option key={v.id} value={v.id}>{ownVendor ? `Your part (${v.name})` : `${v.name}'s part`}</option>)}
          </select>
        </label>
        <button type="button" onClick={() => print()}>Print</button>
        <button type="button" onClick={() => void downloadPdf()} disabled={downloading}>{downloading ? 'Preparing the PDF…' : 'Download PDF'}</button>
      </div>
      {problem && <p class="notice no-print" role="alert">{problem}</p>}
      <header class="ros-head">
        <p class="ros-title">{show.title || 'Wedding'}: run-of-show for {part}</p>
        <p class="muted">{show.date ? longDate(show.date) : 'Date not set'}{show.venue ? ` · ${show.venue}` : ''} · times in {show.timeZone || 'UTC (no time zone set)'}</p>
        {show.vendor && (show.vendor.email || show.vendor.phone) && (
          <p>Contact: {show.vendor.email && <a href={`mailto:${show.vendor.email}`}>{show.vendor.email}</a>}{show.vendor.email && show.vendor.phone && ' · '}{show.vendor.phone && <a href={`tel:${show.vendor.phone.replace(/[^+0-9]/g, '')}`}>{show.vendor.phone}</a>}</p>
        )}
      </header>
      {show.rows.length === 0 ? <p class="empty">{show.vendor ? `${show.vendor.name} is on no event yet.` : 'No events yet.'}</p> : (
        <ol class="ros-rows">
          {show.rows.map((r) => {
            // Every row on another day than the wedding's names its date (as the timeline does), so
            // 01:00 after midnight never reads as the wedding morning; an end on a later day is +Nd.
            const otherDay = r.day !== '' && r.day !== (show.date || show.rows[0]!.day);
            return (
              <li key={r.eventId} class="ros-row" data-event-id={r.eventId}>
                <p class="ros-time">{r.start}–{r.end}
                  {r.endDays > 0 && <span class="next-day" title={r.endDays === 1 ? 'ends the next day' : `ends ${r.endDays} days later`}> +{r.endDays}d</span>}
                  {otherDay && <span class="muted"> ({shortDate(r.day)})</span>}</p>
                <div>
                  <h3>{r.title}</h3>
                  {r.location && <p><span class="label">Where:</span> {r.location}</p>}
                  {r.vendors.length > 0 && (
                    <ul class="ros-vendors">
                      {r.vendors.map((v) => (
                        <li key={v.id}>{v.name} <span class="muted">({humanize(v.category)})</span>
                          {v.email && <> · <a href={`mailto:${v.email}`}>{v.email}</a></>}{v.phone && <> · <a href={`tel:${v.phone.replace(/[^+0-9]/g, '')}`}>{v.phone}</a></>}
                        </li>
                      ))}
                    </ul>
                  )}
                  {r.crew.filter((c) => c.callTime || c.notes).map((c) => (
                    <p key={c.vendorId}><span class="label">{c.vendorName || 'Crew'}:</span> {c.callTime && `call time ${c.callTime}`}{c.confirmed ? ' (confirmed)' : ''}{c.notes && ` · ${c.notes}`}</p>
                  ))}
                  {r.notes.trim() && <p class="notes"><span class="label">Notes:</span> {r.notes}</p>}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
