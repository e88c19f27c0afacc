// Entry of an encoding worker thread (see encoding-pool.ts). Our sources are TypeScript
// (server/cli/typescript-loader.mjs); a worker thread does not inherit the loader its parent
// registered (Node 20), so this shim registers it and then loads the worker itself.
import '../cli/typescript-loader.mjs';

await import('./encoding-worker.ts');
