import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/test-server.ts';

const run = promisify(execFile);
const LOADER = fileURLToPath(new URL('../../server/cli/typescript-loader.mjs', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/typescript-loader-check.ts', import.meta.url));
const ERROR_LINE = fs.readFileSync(FIXTURE, 'utf8').split('\n').findIndex((l) => l.includes("new Error('here')")) + 1;

/** The esbuild processes whose parent is `pid` (`ps --ppid`). */
async function esbuildChildren(pid: number): Promise<string[]> {
  const { stdout } = await run('ps', ['-o', 'args=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter((l) => l.includes('esbuild'));
}

describe('the TypeScript loader (server/cli/typescript-loader.mjs)', () => {
  it('runs TypeScript with named functions on V8 fast properties (no keepNames), right names, and stack traces on TypeScript lines', async () => {
    const { stdout } = await run(process.execPath, ['--allow-natives-syntax', '--import', LOADER, FIXTURE], { timeout: 30_000 });
    const out = JSON.parse(stdout.trim().split('\n').pop()!) as { fast: boolean[]; names: string[]; sum: number; frame: string };
    expect(out.fast).toEqual([true, true, true, true, true]);
    expect(out.names).toEqual(['declared', 'arrow', 'inner', 'innerArrow', 'method']);
    expect(out.sum).toBe(3);
    expect(out.frame).toContain(`${FIXTURE}:${ERROR_LINE}:`);
  });

  it('stops its esbuild process once modules stop loading', async () => {
    const child = spawn(process.execPath, ['--allow-natives-syntax', '--import', LOADER, FIXTURE, '20000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      // While the modules loaded, a service ran; seen from outside: gone within a few seconds.
      const deadline = Date.now() + 15_000;
      while ((await esbuildChildren(child.pid!)).length > 0) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
    }
  });

  it('leaves TypeScript under a node_modules directory of the checkout to Node, and transforms the checkout even when it sits under one', async () => {
    // A copy of the loader in a checkout installed as a package: <dir>/node_modules/wedsync-hub/,
    // with esbuild linked into its own node_modules beside a dependency shipped as TypeScript.
    const root = path.join(tempDir(), 'node_modules', 'wedsync-hub');
    fs.mkdirSync(path.join(root, 'server', 'cli'), { recursive: true });
    for (const f of ['typescript-loader.mjs', 'typescript-hooks.mjs']) fs.copyFileSync(path.join(path.dirname(LOADER), f), path.join(root, 'server', 'cli', f));
    fs.mkdirSync(path.join(root, 'node_modules', 'dependency'), { recursive: true });
    fs.symlinkSync(path.resolve(path.dirname(LOADER), '../../node_modules/esbuild'), path.join(root, 'node_modules', 'esbuild'));
    fs.writeFileSync(path.join(root, 'node_modules', 'dependency', 'index.ts'), 'export const dependency: number = 1;\n');
    const copy = path.join(root, 'server', 'cli', 'typescript-loader.mjs');
    const main = path.join(root, 'main.ts');
    // The checkout's own file runs; its import of a .ts file inside its node_modules is Node's to
    // refuse (Node 20: unknown extension; 22+: no type stripping under node_modules).
    fs.writeFileSync(main, "import { dependency } from './node_modules/dependency/index.ts';\nconst n: number = 1;\nconsole.log(n + dependency);\n");
    const refused = await run(process.execPath, ['--import', copy, main], { timeout: 30_000 }).then(() => null, (e: { stderr: string }) => e.stderr);
    expect(refused).toMatch(/ERR_UNKNOWN_FILE_EXTENSION|ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING/);
    fs.writeFileSync(main, 'const n: number = 1;\nconsole.log(n + 1);\n');
    const { stdout } = await run(process.execPath, ['--import', copy, main], { timeout: 30_000 });
    expect(stdout.trim()).toBe('2');
  });

  it('keeps each transform in the checkout’s node_modules/.cache, runs it from there, and never runs an old one for changed text', async () => {
    const root = path.join(tempDir(), 'checkout');
    fs.mkdirSync(path.join(root, 'server', 'cli'), { recursive: true });
    for (const f of ['typescript-loader.mjs', 'typescript-hooks.mjs']) fs.copyFileSync(path.join(path.dirname(LOADER), f), path.join(root, 'server', 'cli', f));
    fs.mkdirSync(path.join(root, 'node_modules'));
    fs.symlinkSync(path.resolve(path.dirname(LOADER), '../../node_modules/esbuild'), path.join(root, 'node_modules', 'esbuild'));
    const loader = path.join(root, 'server', 'cli', 'typescript-loader.mjs');
    const main = path.join(root, 'main.ts');
    const cache = path.join(root, 'node_modules', '.cache', 'wedsync-ts');
    const kept = () => (fs.existsSync(cache) ? fs.readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.mjs')) : []);
    const runMain = async () => (await run(process.execPath, ['--import', loader, main], { timeout: 30_000 })).stdout.trim();

    fs.writeFileSync(main, 'const n: number = 1;\nconsole.log(`first ${n}`);\n');
    expect(await runMain()).toBe('first 1');
    expect(kept()).toHaveLength(1);
    // Run from the cache: the kept transform (marked here) is what runs.
    const file = path.join(cache, kept()[0]!);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('first', 'cached'));
    expect(await runMain()).toBe('cached 1');
    // Changed text is transformed again, beside the old entry.
    fs.writeFileSync(main, 'const n: number = 2;\nconsole.log(`second ${n}`);\n');
    expect(await runMain()).toBe('second 2');
    expect(kept()).toHaveLength(2);
    // A cache that cannot be written only means no cache.
    fs.rmSync(path.dirname(cache), { recursive: true });
    fs.writeFileSync(path.join(root, 'node_modules', '.cache'), 'not a folder');
    fs.writeFileSync(main, 'console.log(`third ${3 as number}`);\n');
    expect(await runMain()).toBe('third 3');
  });
});
