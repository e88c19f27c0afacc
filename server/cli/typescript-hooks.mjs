// Module customization hooks (https://nodejs.org/api/module.html#customization-hooks) that run
// our TypeScript sources: each `.ts`/`.mts` file is transformed to JavaScript by esbuild's
// `transform` (https://esbuild.github.io/api/#transform) as it is loaded, with an inline source
// map (mappings only) so stack traces name the TypeScript lines. Registered by ./typescript-loader.mjs.
//
// Why not tsx's loader: tsx always passes esbuild `keepNames`, which wraps every named function in
// a call that redefines its `name`. V8 then keeps each such function's properties as a dictionary
// (about 170-260 bytes per function object), and the server creates functions per connection,
// binding and socket: at 10,000 idle integration connections, 16.9 against 13.3 KiB of JS heap
// per connection (`npm run bench -- connections`, docs/performance.md). Names stay right without
// it: a transform (not a bundle) renames nothing. No compile cache: a start transforms every module
// (about 0.25 s more than tsx's warm cache).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stop, transform } from 'esbuild';

const TYPESCRIPT = /\.m?ts$/;
// This checkout, which may itself sit under a node_modules directory (an npm install of the package).
const ROOT = new URL('../../', import.meta.url).href;
// The compiler options that change emitted JavaScript, as tsconfig.json sets them.
const tsconfigRaw = { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true, jsx: 'react-jsx', jsxImportSource: 'preact' } };
const options = {
  loader: 'ts', format: 'esm', target: `node${process.versions.node}`, tsconfigRaw,
  // Node keeps each module's source text and its parsed source map for the life of the process:
  // the map carries no copy of the TypeScript, and the output's whitespace is minified (as tsx does).
  sourcemap: 'inline', sourcesContent: false, minifyWhitespace: true,
};
// esbuild transforms in a child process of its own (about 20 MB), started by the first transform.
// Once modules stop loading it is stopped; a later import starts it again.
const IDLE_STOP_MS = 2000;
let inFlight = 0;
let idle;

function ours(url) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(new URL(url).pathname)) return false;
  return !(url.startsWith(ROOT) ? url.slice(ROOT.length) : url).includes('node_modules/');
}

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (!ours(url)) return nextLoad(url, context);
  const sourcefile = fileURLToPath(url);
  inFlight++;
  clearTimeout(idle);
  try {
    const { code } = await transform(await readFile(sourcefile, 'utf8'), { ...options, sourcefile });
    return { format: 'module', source: code, shortCircuit: true };
  } finally {
    if (--inFlight === 0) {
      idle = setTimeout(() => { if (inFlight === 0) void stop(); }, IDLE_STOP_MS);
      idle.unref();
    }
  }
}
