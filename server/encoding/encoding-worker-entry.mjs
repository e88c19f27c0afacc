// Entry of an encoding worker thread (see encoding-pool.ts). Our sources are TypeScript run
// through tsx; a worker thread does not inherit the loader its parent registered (Node 20), so
// this shim registers it and then loads the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./encoding-worker.ts');
