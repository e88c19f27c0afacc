// Registers ./typescript-hooks.mjs, which runs our TypeScript sources, and maps stack traces
// through their source maps. Imported first by every entry point that loads `.ts` files (the
// `wedsync` command, worker threads: a worker does not inherit the hooks on Node 20), or given to
// Node as `node --import ./server/cli/typescript-loader.mjs file.ts`.
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./typescript-hooks.mjs', import.meta.url);
