// Module customization hooks (https://nodejs.org/api/module.html#customization-hooks) that run
// our TypeScript sources: each `.ts`/`.mts` file is transformed to JavaScript by esbuild's
// `transform` (https://esbuild.github.io/api/#transform) as it is loaded, with an inline source
// map so stack traces name the TypeScript lines. Registered by ./typescript-loader.mjs.
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
import { transform } from 'esbuild';

const TYPESCRIPT = /\.m?ts$/;
// The compiler options that change emitted JavaScript, as tsconfig.json sets them.
const tsconfigRaw = { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true, jsx: 'react-jsx', jsxImportSource: 'preact' } };
const target = `node${process.versions.node}`;

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TYPESCRIPT.test(new URL(url).pathname) || url.includes('/node_modules/')) return nextLoad(url, context);
  const sourcefile = fileURLToPath(url);
  const { code } = await transform(await readFile(sourcefile, 'utf8'), { loader: 'ts', format: 'esm', target, sourcemap: 'inline', sourcefile, tsconfigRaw });
  return { format: 'module', source: code, shortCircuit: true };
}
