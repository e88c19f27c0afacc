import { useEffect, useState } from 'preact/hooks';
import { isWeddingId } from '../../../sdk/index.ts';
import { WeddingListResponse, type WeddingListEntry } from '../../../../schema/api/weddings.ts';
import { ApiError, apiRequest, describeApiError } from '../api/api-client.ts';
import { linkHandler } from '../routing/use-route.ts';
import type { Route } from '../routing/routes.ts';
import type { Session } from './token.ts';

interface Props {
  session: Session;
  navigate(route: Route): void;
  onRefused(reason: string): void;
}

const CACHE_KEY = 'wedsync.weddings';

/**
 * The weddings this token may open (GET /api/weddings). Offline, the last list this browser saw
 * (or the ids in the token) is shown, so an offline start still reaches the wedding's offline copy.
 */
export function WeddingPicker({ session, navigate, onRefused }: Props) {
  const [weddings, setWeddings] = useState<WeddingListEntry[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [other, setOther] = useState('');
  const [otherError, setOtherError] = useState<string | null>(null);
  const all = session.claims.weddings.includes('*');

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

  return (
    <main id="main" class="picker">
      <h1>Choose a wedding</h1>
      {note && <p class="notice" role="status">{note}</p>}
      {weddings === null ? <p class="muted" role="status">Loading your weddings…</p> : weddings.length === 0 ? (
        <p class="empty">No weddings yet.{all ? ' Open one by id below to create it.' : ''}</p>
      ) : (
        <ul class="wedding-list">
          {weddings.map((w) => {
            const route: Route = { name: 'wedding', weddingId: w.id, view: 'timeline' };
            return (
              <li key={w.id}>
                <a href={`/w/${w.id}/timeline`} onClick={linkHandler(navigate, route)}>{w.id}</a>
                {!w.stored && <span class="muted"> (new: nothing saved yet)</span>}
              </li>
            );
          })}
        </ul>
      )}
      {all && (
        <form class="inline-form" onSubmit={openOther} noValidate>
          <label for="other-wedding">Open or create a wedding by id</label>
          <input id="other-wedding" type="text" autoComplete="off" value={other} onInput={(e) => setOther(e.currentTarget.value)}
            aria-invalid={otherError ? true : undefined} aria-describedby={otherError ? 'other-wedding-error' : undefined} />
          <button type="submit">Open</button>
          {otherError && <p id="other-wedding-error" class="field-error">{otherError}</p>}
        </form>
      )}
    </main>
  );
}
