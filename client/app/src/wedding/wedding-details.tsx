import { useMemo, useState } from 'preact/hooks';
import { SchemaError, type TimeZoneChangeMode, type TxOrigin, type WeddingDoc, type WeddingMeta, type WeddingMetaPatch } from '../../../sdk/index.ts';
import { isKnownTimeZone, longDate } from '../timeline/zoned-time.ts';
import { useAnnounce } from '../ui/use-announcer.ts';
import { TimeZoneChangeDialog } from './time-zone-change-dialog.tsx';
import { useStatusLine } from '../ui/status-line.ts';

interface Props {
  doc: WeddingDoc;
  meta: Partial<WeddingMeta>;
  /** The document has been synced or loaded from the device, so missing details are really missing. */
  loaded: boolean;
  /** The role may change the details: without it they are shown as text, with no fields. */
  canEdit: boolean;
  /** Changes are unavailable now (the server paused them): the fields are disabled. */
  readOnly: boolean;
  readOnlyNoteId: string;
  origin: TxOrigin;
}

type Fields = 'title' | 'date' | 'timezone' | 'venue';

/**
 * The wedding's title, date, time zone and venue. The date and time zone matter to the timeline:
 * times are shown in the zone and checked against the date. A wedding always keeps a zone once it
 * has one; changing it while there are events asks whether they keep their local times or their
 * moments (WeddingDoc.changeTimeZone), and writes the details and every event in one transaction.
 */
export function WeddingDetails(props: Props) {
  if (!props.canEdit) return <WeddingDetailsText meta={props.meta} />;
  return <WeddingDetailsForm {...props} />;
}

/** For the roles that may not change them: the details as text. */
function WeddingDetailsText({ meta }: { meta: Partial<WeddingMeta> }) {
  const unset = <span class="muted">Not set</span>;
  return (
    <details class="wedding-details">
      <summary>Wedding details</summary>
      <dl class="details-list">
        <div><dt>Title</dt><dd>{meta.title || unset}</dd></div>
        <div><dt>Date</dt><dd>{meta.date ? longDate(meta.date) : unset}</dd></div>
        <div><dt>Time zone</dt><dd>{meta.timezone || unset}</dd></div>
        <div><dt>Venue</dt><dd>{meta.venue || unset}</dd></div>
      </dl>
    </details>
  );
}

function WeddingDetailsForm({ doc, meta, loaded, readOnly, readOnlyNoteId, origin }: Props) {
  const announce = useAnnounce();
  const [draft, setDraft] = useState<Partial<Record<Fields, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const value = (f: Fields) => draft[f] ?? (meta[f] as string | undefined) ?? '';
  const missing = !meta.date || !meta.timezone;
  // Open by itself while the date or time zone is missing (and the document has loaded), until
  // the person opens or closes it themselves.
  const [toggled, setToggled] = useState<boolean | null>(null);
  const open = toggled ?? (missing && loaded && !readOnly);

  const [zoneChange, setZoneChange] = useState<{ to: string; patch: WeddingMetaPatch } | null>(null);
  const [outcome, setOutcome] = useStatusLine<string>();

  const write = (patch: WeddingMetaPatch, zone: { to: string; mode: TimeZoneChangeMode } | null) => {
    try {
      let skipped: string[] = [];
      // NOTE: a copy of the origin, which the timeline's undo (tracking this origin by identity)
      // does not follow: Ctrl+Z would otherwise put the events back without the zone.
      const tx = zone ? { ...origin } : origin;
      doc.transact(() => {
        if (Object.keys(patch).length) doc.setMeta(patch, tx);
        if (zone) skipped = doc.changeTimeZone(zone.to, zone.mode, tx).skipped;
      }, tx);
      setDraft({});
      setError(null);
      const moved = skipped.map((id) => doc.getEvent(id)?.title ?? id);
      const text = zone
        ? `Time zone changed to ${zone.to}: events ${zone.mode === 'keep_wall_clock' ? 'kept their times as typed' : 'kept their moments in time'}.`
          + (moved.length ? ` Moved forward past a skipped hour, please check: ${moved.join(', ')}.` : '')
        : 'Wedding details saved.';
      setOutcome(zone ? text : null);
      announce(text);
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      setError(err.issues.map((i) => `${i.path || 'details'}: ${i.message}`).join('; '));
    }
  };

  const save = (e: Event) => {
    e.preventDefault();
    const patch: WeddingMetaPatch = {};
    for (const f of Object.keys(draft) as Fields[]) {
      const v = draft[f]!.trim();
      if (v !== (meta[f] ?? '')) patch[f] = v;
    }
    const to = patch.timezone;
    if (to === undefined) return write(patch, null);
    if (!to) return setError('time zone: a wedding needs a time zone (an IANA name such as Europe/London).');
    if (!isKnownTimeZone(to)) return setError(`time zone: “${to}” is not an IANA time zone (for example Europe/London or America/New_York).`);
    delete patch.timezone;
    // Without events there is nothing to ask about.
    if (doc.timeline.size === 0) return write(patch, { to, mode: 'keep_instants' });
    setZoneChange({ to, patch });
  };

  const events = zoneChange ? doc.listEvents() : [];

  return (
    <details class="wedding-details" open={open} onToggle={(e) => { if (e.currentTarget.open !== open) setToggled(e.currentTarget.open); }}>
      <summary>Wedding details{!meta.timezone ? ' (set the time zone)' : missing ? ' (set the date)' : ''}</summary>
      <form onSubmit={save} noValidate>
        {error && <p class="form-errors" role="alert">Nothing was saved: {error}</p>}
        {outcome && <p class="notice" role="status">{outcome}</p>}
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
      {zoneChange && events[0] && (
        <TimeZoneChangeDialog from={meta.timezone} to={zoneChange.to} example={events[0]} count={events.length}
          onCancel={() => setZoneChange(null)}
          onChoose={(mode) => { setZoneChange(null); write(zoneChange.patch, { to: zoneChange.to, mode }); }} />
      )}
    </details>
  );
}

/** The ~400 IANA zones as suggestions; mounted only while the details are open, and built once. */
function TimeZoneList() {
  return useMemo(() => (
    <datalist id="time-zones">{Intl.supportedValuesOf('timeZone').map((z) => <option key={z} value={z} />)}</datalist>
  ), []);
}
