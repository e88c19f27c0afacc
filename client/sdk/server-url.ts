import { WedSyncClientError } from './errors.ts';

/**
 * The HTTP endpoint `path` of the server named by `url`: its http(s) base URL, or the ws(s) URL
 * connectWedding takes (`/collab` and any other path are dropped).
 * Throws WedSyncClientError `invalid_options` for a URL that is not http(s) or ws(s).
 */
export function serverHttpUrl(url: string, path: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch (error) {
    throw new WedSyncClientError('invalid_options', `invalid server URL ${JSON.stringify(url)}`, { cause: error });
  }
  if (u.protocol === 'ws:') u.protocol = 'http:';
  else if (u.protocol === 'wss:') u.protocol = 'https:';
  else if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WedSyncClientError('invalid_options', `unsupported URL ${url}: use http(s)://host or ws(s)://host/collab`);
  return new URL(path, u.origin);
}
