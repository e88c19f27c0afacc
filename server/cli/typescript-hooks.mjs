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
// it: a transform (not a bundle) renames nothing.
//
// What a transform gave is kept in `node_modules/.cache/wedsync-ts/` of this checkout, named by a
// digest of the file's path and text, esbuild's version and the options: a start that finds every
// module there transforms none. A cold start of `wedsync serve` spent about 1.5 s of CPU in this
// thread and esbuild's process, and the main thread about 0.7 s waiting for it (2026-12-07, 2
// cores); tests start such processes a few hundred times per CI run. Written to a temporary name
// and renamed, so a reader never sees half a file; a folder that cannot be written (a read-only
// install) only means no cache. The folder is the checkout's own, like other tools' caches there,
// not a shared temporary folder another user could write JavaScript into.
import crypto from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stop, transform, version } from 'esbuild';

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
const CACHE = new URL('node_modules/.cache/wedsync-ts/', ROOT);
const cacheSalt = JSON.stringify([version, options, process.versions.node]);
let cacheUsable = true;

async function cached(sourcefile, text) {
  const name = crypto.createHash('sha256').update(cacheSalt).update('\0').update(sourcefile).update('\0').update(text).digest('hex');
  const file = new URL(`${name.slice(0, 2)}/${name}.mjs`, CACHE);
  try {
    return { file, code: await readFile(file, 'utf8') };
  } catch {
    return { file, code: null };
  }
}

async function keep(file, code) {
  if (!cacheUsable) return;
  try {
    await mkdir(new URL('./', file), { recursive: true });
    const partial = new URL(`${file.href}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`);
    await writeFile(partial, code);
    await rename(partial, file);
  } catch {
    cacheUsable = false;
  }
}

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
  const text = await readFile(sourcefile, 'utf8');
  const hit = await cached(sourcefile, text);
  if (hit.code !== null) return { format: 'module', source: hit.code, shortCircuit: true };
  inFlight++;
  clearTimeout(idle);
  try {
    const { code } = await transform(text, { ...options, sourcefile });
    await keep(hit.file, code);
    return { format: 'module', source: code, shortCircuit: true };
  } finally {
    if (--inFlight === 0) {
      idle = setTimeout(() => { if (inFlight === 0) void stop(); }, IDLE_STOP_MS);
      idle.unref();
    }
  }
}
