import type { Page } from 'playwright-core';

/** Everything the page's origin keeps on the device, as text a test can search. */
export interface StorageDump {
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  /** `<database>/<store>` → each record's key and value as text (bytes decoded as UTF-8). */
  indexedDB: Record<string, string[]>;
  /** `<cache>` → each cached request's URL and response body. */
  caches: Record<string, string[]>;
}

/**
 * Reads localStorage, sessionStorage, every record of every IndexedDB store and every Cache Storage
 * entry of the page's origin. Binary values (y-indexeddb keeps Yjs updates as Uint8Array) are decoded
 * as UTF-8, so a string written into a document is found too.
 */
export function dumpBrowserStorage(page: Page): Promise<StorageDump> {
  return page.evaluate(async () => {
    const decoder = new TextDecoder('utf-8', { fatal: false });
    const text = (value: unknown): string => {
      if (value instanceof ArrayBuffer) return decoder.decode(new Uint8Array(value));
      if (ArrayBuffer.isView(value)) return decoder.decode(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      if (Array.isArray(value)) return `[${value.map(text).join(',')}]`;
      if (value && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${k}:${text(v)}`).join(',')}}`;
      return String(value);
    };
    const request = <T>(r: IDBRequest<T>) => new Promise<T>((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const indexed: Record<string, string[]> = {};
    for (const { name } of await indexedDB.databases()) {
      if (!name) continue;
      const db = await request(indexedDB.open(name));
      for (const store of Array.from(db.objectStoreNames)) {
        const tx = db.transaction(store, 'readonly');
        const [keys, values] = await Promise.all([request(tx.objectStore(store).getAllKeys()), request(tx.objectStore(store).getAll())]);
        indexed[`${name}/${store}`] = keys.map((k, i) => `${text(k)}=${text(values[i])}`);
      }
      db.close();
    }
    const cached: Record<string, string[]> = {};
    for (const key of await caches.keys()) {
      const cache = await caches.open(key);
      cached[key] = await Promise.all((await cache.keys()).map(async (r) => `${r.url} ${await (await cache.match(r))?.text()}`));
    }
    return { localStorage: { ...localStorage }, sessionStorage: { ...sessionStorage }, indexedDB: indexed, caches: cached };
  });
}
