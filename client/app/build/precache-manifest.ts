import { createHash } from 'node:crypto';
import type { Plugin } from 'vite';

/** The placeholder in src/offline/service-worker.ts that the build replaces with the file list. */
export const PRECACHE_PLACEHOLDER = '__WEDSYNC_PRECACHE__';

/**
 * Hands the service worker the list of files this build emitted (and a version derived from
 * them), so it can cache the whole app on install: the first visit is enough for a later offline
 * start, even for chunks the page has not loaded yet.
 */
export function precacheManifest(): Plugin {
  return {
    name: 'wedsync:precache-manifest',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const sw = bundle['sw.js'];
      if (!sw || sw.type !== 'chunk') return this.error('the service worker entry (sw.js) is missing from the build');
      const files = Object.keys(bundle)
        .filter((f) => f !== 'sw.js' && !f.endsWith('.map'))
        .sort()
        .map((f) => `/${f}`);
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const code = sw.code.split(PRECACHE_PLACEHOLDER);
      if (code.length !== 2) return this.error(`expected one ${PRECACHE_PLACEHOLDER} in the service worker`);
      sw.code = code.join(JSON.stringify({ version, files }));
    },
  };
}
