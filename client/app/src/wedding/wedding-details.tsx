import { useMemo, useState } from 'preact/hooks';
import { SchemaError, type TxOrigin, type WeddingDoc, type WeddingMeta, type WeddingMetaPatch } from '../../../sdk/index.ts';
import { useAnnounce } from '../ui/use-announcer.ts';

interface Props {
  doc: WeddingDoc;
  meta: Partial<WeddingMeta>;
  /** The document has been synced or loaded from the device, so missing details are really missing. */
  loaded: boolean;
  readOnly: boolean;
  readOnlyNoteId: string;
  origin: TxOrigin;
}

type Fields = 'title' | 'date' | 'timezone' | 'venue';

/**
 * The wedding's title, date, time zone and venue. The date and time zone matter to the timeline:
 * times are shown in the zone and checked against the date.
 */
export function WeddingDetails({ doc, meta, loaded, readOnly, readOnlyNoteId, origin }: Props) {
  const announce = useAnnounce();
  const [draft, setDraft] = useState<Partial<Record<Fields, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const value = (f: Fields) => draft[f] ?? (meta[f] as string | undefined) ?? '';
  const missing = !meta.date || !meta.timezone;
  // Open by itself while the date or time zone is missing (and the document has loaded), until
  // the person opens or closes it themselves.
  const [toggled, setToggled] = useState<boolean | null>(null);
  const open = toggled ?? (missing && loaded && !readOnly);

  const save = (e: Event) => {
    e.preventDefault();
    const patch: WeddingMetaPatch = {};
    for (const f of Object.keys(draft) as Fields[]) {
      const v = draft[f]!.trim();
      if (v !== (meta[f] ?? '')) patch[f] = v;
    }
    try {
      doc.setMeta(patch, origin);
      setDraft({});
      setError(null);
      announce('Wedding details saved.');
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      setError(err.issues.map((i) => `${i.path || 'details'}: ${i.message}`).join('; '));
    }
  };

  return (
    <details class="wedding-details" open={open} onToggle={(e) => { if (e.currentTarget.open !== open) setToggled(e.currentTarget.open); }}>
      <summary>Wedding details{missing ? ' (set the date and time zone)' : ''}</summary>
      <form onSubmit={save} noValidate>
        {error && <p class="form-errors" role="alert">Nothing was saved: {error}</p>}
        <fieldset disabled={readOnly} class="detail-fields">
          <legend class="sr-only">Wedding details</legend>
          <div class="field"><label for="meta-title">Title</label>
            <input id="meta-title" type="text" maxLength={200} value={value('title')} onInput={(e) => setDraft({ ...draft, title: e.currentTarget.value })} aria-describedby={readOnly ? readOnlyNoteId : undefined} /></div>
          <div class="field"><label for="meta-date">Date</label>
            <input id="meta-date" type="date" value={value('date')} onInput={(e) => setDraft({ ...draft, date: e.currentTarget.value })} /></div>
          <div class="field"><label for="meta-timezone">Time zone</label>
            <input id="meta-timezone" type="text" list="time-zones" placeholder="Europe/London" value={value('timezone')} onInput={(e) => setDraft({ ...draft, timezone: e.currentTarget.value })} />
            {open && <TimeZoneList />}</div>
          <div class="field"><label for="meta-venue">Venue</label>
            <input id="meta-venue" type="text" maxLength={300} value={value('venue')} onInput={(e) => setDraft({ ...draft, venue: e.currentTarget.value })} /></div>
          <div class="form-actions"><button type="submit" class="primary">Save details</button></div>
        </fieldset>
      </form>
    </details>
  );
}

/** The ~400 IANA zones as suggestions; mounted only while the details are open, and built once. */
function TimeZoneList() {
  return useMemo(() => (
    <datalist id="time-zones">{Intl.supportedValuesOf('timeZone').map((z) => <option key={z} value={z} />)}</datalist>
  ), []);
}
