import { useEffect, useState } from 'preact/hooks';
import { isWeddingId } from '../../../sdk/index.ts';
import { todayIn, weddingOrder } from '../account/wedding-order.ts';
import { WeddingCreateResponse, WeddingListResponse, type WeddingListEntry } from '../../../../schema/api/weddings.ts';
import { ApiError, apiRequest, describeApiError } from '../api/api-client.ts';
import { linkHandler } from '../routing/use-route.ts';
import { creatorTimeZone, deviceTimeZone, isKnownTimeZone, longDate } from '../timeline/zoned-time.ts';
import type { Route } from '../routing/routes.ts';
import type { Session } from './token.ts';

interface Props {
  session: Session;
  navigate(route: Route): void;
  onRefused(reason: string): void;
}

const CACHE_KEY = 'wedsync.weddings';

/**
 * The weddings this token may open (GET /api/weddings), by title and date with the id beside them
 * (the id is what the API and snapshots name). Offline, the last list this browser saw
 * (or the ids in the token) is shown, so an offline start still reaches the wedding's offline copy.
 */
export function WeddingPicker({ session, navigate, onRefused }: Props) {
  const [weddings, setWeddings] = useState<WeddingListEntry[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [other, setOther] = useState('');
  const [otherError, setOtherError] = useState<string | null>(null);
  const all = session.claims.weddings.includes('*');
  const canCreate = session.claims.role === 'admin' || session.claims.role === 'planner';

  useEffect(() => {
    const controller = new AbortController();
    apiRequest('/api/weddings', { token: session.token, schema: WeddingListResponse, signal: controller.signal }).then((body) => {
      setWeddings(body.weddings);
      try { localStorage.setItem(`${CACHE_KEY}:${session.claims.sub}`, JSON.stringify(body.weddings)); } catch { /* storage disabled */ }
    }, (error: unknown) => {
      if ((error as Error).name === 'AbortError') return;
      if (error instanceof ApiError && error.code === 'unauthorized') return onRefused(describeApiError(error, 'Listing weddings'));
      setNote(`${describeApiError(error, 'Listing weddings')} Showing the weddings this browser knows about.`);
      let cached: WeddingListEntry[] = [];
      try { cached = JSON.parse(localStorage.getItem(`${CACHE_KEY}:${session.claims.sub}`) ?? '[]') as WeddingListEntry[]; } catch { /* none */ }
      const ids = new Set([...cached.map((w) => w.id), ...session.claims.weddings.filter((w) => w !== '*')]);
      setWeddings([...ids].sort().map((id) => ({ id, stored: cached.some((w) => w.id === id && w.stored) })));
    });
    return () => controller.abort();
  }, [session.token]);

  const openOther = (e: Event) => {
    e.preventDefault();
    const id = other.trim();
    if (!isWeddingId(id)) return setOtherError('Wedding ids use letters, digits, “_” and “-” (1 to 64).');
    navigate({ name: 'wedding', weddingId: id, view: 'timeline' });
  };
  const onCreated = (id: string) => navigate({ name: 'wedding', weddingId: id, view: 'timeline' });

  return (
    <main id="main" class="picker">
      <h1>Choose a wedding</h1>
      {note && <p class="notice" role="status">{note}</p>}
      {weddings === null ? <p class="muted" role="status">Loading your weddings…</p> : weddings.length === 0 ? (
        <p class="empty">No weddings yet.{canCreate ? ' Create one below.' : ''}</p>
      ) : (
        <ul class="wedding-list">
          {[...weddings].sort(weddingOrder(todayIn(deviceTimeZone()))).map((w) => {
            const route: Route = { name: 'wedding', weddingId: w.id, view: 'timeline' };
            return (
              <li key={w.id}>
                <a href={`/w/${w.id}/timeline`} onClick={linkHandler(navigate, route)}>{w.title || w.id}</a>
                {w.date && <span class="muted"> · {longDate(w.date)}</span>}
                {w.title && <span class="muted wedding-id"> · {w.id}</span>}
                {!w.stored && <span class="muted"> (new: nothing saved yet)</span>}
              </li>
            );
          })}
        </ul>
      )}
      {all && (
        <form class="inline-form" onSubmit={openOther} noValidate>
          <label for="other-wedding">Open a wedding by id</label>
          <input id="other-wedding" type="text" autoComplete="off" value={other} onInput={(e) => setOther(e.currentTarget.value)}
            aria-invalid={otherError ? true : undefined} aria-describedby={otherError ? 'other-wedding-error' : undefined} />
          <button type="submit">Open</button>
          {otherError && <p id="other-wedding-error" class="field-error">{otherError}</p>}
        </form>
      )}
      {canCreate && <CreateWedding session={session} suggestedIds={(weddings ?? []).filter((w) => !w.stored).map((w) => w.id)} onCreated={onCreated} />}
    </main>
  );
}

type CreateField = 'id' | 'title' | 'date' | 'timezone';

/**
 * POST /api/weddings. The time zone is required, and starts as the creator's own zone (the
 * browser's), which is nearly always where the planner works; every time in the wedding is then
 * read in that zone, whoever views it from wherever.
 */
function CreateWedding({ session, suggestedIds, onCreated }: { session: Session; suggestedIds: string[]; onCreated(id: string): void }) {
  const [values, setValues] = useState<Record<CreateField, string>>(() => ({ id: suggestedIds[0] ?? '', title: '', date: '', timezone: creatorTimeZone() }));
  const [problem, setProblem] = useState<{ field: CreateField | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (f: CreateField, v: string) => setValues((x) => ({ ...x, [f]: v }));
  const invalid = (f: CreateField) => (problem?.field === f ? { 'aria-invalid': true, 'aria-describedby': 'create-wedding-error' } : {});

  const submit = async (e: Event) => {
    e.preventDefault();
    const id = values.id.trim();
    const timezone = values.timezone.trim();
    const refuse = (field: CreateField, message: string) => {
      setProblem({ field, message });
      document.getElementById(`create-${field}`)?.focus();
    };
    if (!isWeddingId(id)) return refuse('id', 'Wedding ids use letters, digits, “_” and “-” (1 to 64).');
    if (!timezone) return refuse('timezone', 'A wedding needs a time zone: every time in it is read there.');
    if (!isKnownTimeZone(timezone)) return refuse('timezone', `“${timezone}” is not an IANA time zone (for example Europe/London).`);
    setBusy(true);
    try {
      const body = { id, timezone, ...(values.title.trim() ? { title: values.title.trim() } : {}), ...(values.date ? { date: values.date } : {}) };
      await apiRequest('/api/weddings', { token: session.token, method: 'POST', body, schema: WeddingCreateResponse });
      onCreated(id);
    } catch (error) {
      setProblem({ field: null, message: describeApiError(error, 'Creating the wedding') });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="create-wedding" onSubmit={submit} noValidate aria-labelledby="create-wedding-heading">
      <h2 id="create-wedding-heading">Create a wedding</h2>
      {problem && <p id="create-wedding-error" class="form-errors" role="alert">Nothing was created: {problem.message}</p>}
      <div class="field"><label for="create-id">Wedding id</label>
        <input id="create-id" type="text" autoComplete="off" value={values.id} onInput={(e) => set('id', e.currentTarget.value)} {...invalid('id')} /></div>
      <div class="field"><label for="create-title">Title</label>
        <input id="create-title" type="text" maxLength={200} value={values.title} onInput={(e) => set('title', e.currentTarget.value)} /></div>
      <div class="field"><label for="create-date">Date</label>
        <input id="create-date" type="date" value={values.date} onInput={(e) => set('date', e.currentTarget.value)} /></div>
      <div class="field"><label for="create-timezone">Time zone</label>
        <input id="create-timezone" type="text" required list="create-time-zones" value={values.timezone} onInput={(e) => set('timezone', e.currentTarget.value)} {...invalid('timezone')} />
        <datalist id="create-time-zones">{Intl.supportedValuesOf('timeZone').map((z) => <option key={z} value={z} />)}</datalist></div>
      <div class="form-actions"><button type="submit" class="primary" disabled={busy}>Create wedding</button></div>
    </form>
  );
}
