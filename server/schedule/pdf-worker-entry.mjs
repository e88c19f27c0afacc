// Entry of a run-of-show PDF worker thread (see pdf-renderer.ts). As for the encoding workers
// (server/encoding/encoding-worker-entry.mjs): a worker thread does not inherit the tsx loader its
// parent registered (Node 20), so this shim registers it and then loads the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./pdf-worker.ts');
