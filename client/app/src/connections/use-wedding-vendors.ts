import { useCallback, useRef, useState } from 'preact/hooks';
import { describeApiError } from '../api/api-client.ts';
import { fetchWeddingVendors, type VendorChoice } from './connections-api.ts';

/** A wedding's vendors as the Connections page knows them: not asked yet, being read, read, or why not. */
export type WeddingVendors = { state: 'loading' } | { state: 'ready'; vendors: VendorChoice[] } | { state: 'failed'; problem: string };

/**
 * The vendors of the workspace's weddings, by name, read once per wedding when a form needs them
 * (GET /api/weddings/:id/vendors with that wedding's token; planners only). `load` again after a
 * failure tries again; `forget` drops what was read (a vendor may have been added meanwhile).
 */
export function useWeddingVendors(tokenFor: (weddingId: string) => Promise<string>) {
  const [known, setKnown] = useState<ReadonlyMap<string, WeddingVendors>>(new Map());
  const asked = useRef(new Set<string>());
  const load = useCallback((weddingId: string) => {
    if (asked.current.has(weddingId)) return;
    asked.current.add(weddingId);
    const put = (v: WeddingVendors) => setKnown((m) => new Map(m).set(weddingId, v));
    put({ state: 'loading' });
    void tokenFor(weddingId).then((token) => fetchWeddingVendors(token, weddingId)).then(
      (vendors) => put({ state: 'ready', vendors }),
      (error: unknown) => { asked.current.delete(weddingId); put({ state: 'failed', problem: describeApiError(error, 'Reading the wedding’s vendors') }); },
    );
  }, [tokenFor]);
  const forget = useCallback(() => { asked.current.clear(); setKnown(new Map()); }, []);
  return { get: (weddingId: string) => known.get(weddingId), load, forget };
}

/** The vendor's name in a wedding, when read; else null. */
export function vendorNameIn(v: WeddingVendors | undefined, vendorId: string): string | null {
  return v?.state === 'ready' ? v.vendors.find((x) => x.id === vendorId)?.name ?? null : null;
}
