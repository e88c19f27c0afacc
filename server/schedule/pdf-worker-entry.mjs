// Entry of a run-of-show PDF worker thread (see pdf-renderer.ts). As for the encoding workers
// (server/encoding/encoding-worker-entry.mjs): a worker thread does not inherit the TypeScript
// loader its parent registered (Node 20), so this shim registers it and then loads the worker itself.
import '../cli/typescript-loader.mjs';

await import('./pdf-worker.ts');
