import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlannerApp } from '../../../server/cli/planner-build.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Everything the app bundle is made of. */
const INPUTS = ['client/app', 'client/sdk', 'schema', 'package-lock.json'];
const LOCK_STALE_MS = 120_000;

function hashInputs(): string {
  const hash = createHash('sha256');
  const visit = (rel: string) => {
    const abs = path.join(REPO, rel);
    const stat = fs.statSync(abs);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(abs).sort()) if (name !== 'dist' && name !== 'node_modules') visit(path.join(rel, name));
    } else {
      hash.update(rel).update('\0').update(fs.readFileSync(abs)).update('\0');
    }
  };
  for (const rel of INPUTS) visit(rel);
  return hash.digest('hex').slice(0, 16);
}

/**
 * A production build of the planner app for the browser tests, in a temp directory named after a
 * hash of its sources: test files running in parallel share one build (a lock directory makes
 * the others wait), and a changed source always gets a fresh build. Never touches client/app/dist.
 */
export async function plannerBuild(): Promise<string> {
  const dir = path.join(os.tmpdir(), `wedsync-planner-${hashInputs()}`);
  const lock = `${dir}.lock`;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
    const tmp = `${dir}.tmp-${process.pid}`;
    // NOTE: Vite makes a development build (dev JSX transform, `development` export conditions)
    // unless NODE_ENV is production, and vitest sets it to `test`; the browser tests must run
    // what `npm start` serves.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await buildPlannerApp({ outDir: tmp, logLevel: 'error' });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return dir;
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
