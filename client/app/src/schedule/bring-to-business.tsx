import { useState } from 'preact/hooks';
import { ScheduleWorkspaceResponse } from '../../../../schema/api/schedule.ts';
import { apiRequest, describeApiError, type Csrf } from '../api/api-client.ts';

interface Props {
  weddingId: string;
  title: string;
  /** The person's businesses (vendor workspaces they belong to). */
  businesses: readonly { id: string; name: string }[];
  /** Null when the schedule is the offline copy: changes need the server. */
  csrf: Csrf;
}

/**
 * For a wedding the vendor joined themselves ("Just me"): bring it into their business
 * (PUT /api/me/schedule/{weddingId}/workspace), so their colleagues act as the vendor and the
 * business's connections (calendar feeds, calendars) can serve it (vendor trial: it could not be
 * done after joining). Shown until it is done.
 */
export function BringToBusiness({ weddingId, title, businesses, csrf }: Props) {
  const [chosen, setChosen] = useState(businesses[0]?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const id = `business-${weddingId}`;
  if (done) return <p class="saved" role="status">{done}</p>;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!csrf || !chosen) return;
    setBusy(true);
    setProblem(null);
    try {
      await apiRequest(`/api/me/schedule/${encodeURIComponent(weddingId)}/workspace`, { method: 'PUT', csrf, body: { workspaceId: chosen }, schema: ScheduleWorkspaceResponse });
      const name = businesses.find((b) => b.id === chosen)?.name ?? 'Your business';
      setDone(`${name} now works on ${title}: your colleagues see it, and its calendar feeds can include it.`);
    } catch (error) {
      setProblem(describeApiError(error, 'Bringing the wedding into your business'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="bring-to-business" onSubmit={(e) => void submit(e)}>
      <p class="hint" id={`${id}-hint`}>You work on this wedding yourself. Bring it into your business so your colleagues and its calendar feeds have it too.</p>
      {businesses.length > 1 && (
        <>
          <label for={id}>Your business</label>
          <select id={id} value={chosen} onChange={(e) => setChosen(e.currentTarget.value)} disabled={!csrf || busy}>
            {businesses.map((b) => <option key={b.id} value={b.id}>{b.name}</option>)}
          </select>
        </>
      )}
      <button type="submit" disabled={!csrf || busy} aria-describedby={`${id}-hint`}>
        Bring it into {businesses.length === 1 ? businesses[0]!.name : 'my business'}<span class="sr-only"> ({title})</span>
      </button>
      {problem && <p class="notice" role="alert">{problem}</p>}
    </form>
  );
}
