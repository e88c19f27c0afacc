import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * What a test file's storage depends on, for `.ci/run`:
 * - `follows-backend`: it started a server whose storage follows WEDSYNC_TEST_BACKEND (a test
 *   server without a DATABASE_URL of its own: test-server.ts), or read stored bytes the backend's
 *   way (stored-bytes.ts);
 * - `postgres`: it made databases on the worker's PostgreSQL itself (postgres.ts).
 *
 * A file that used `postgres` and never `follows-backend` runs the very same tests against the
 * same PostgreSQL whatever WEDSYNC_TEST_BACKEND says, so CI's PostgreSQL run leaves it out: it ran
 * in the first run already.
 */
export type BackendUse = 'follows-backend' | 'postgres';

const written = new Set<string>();

/**
 * Appends `<use>\t<test file, from the repository root>` to the file WEDSYNC_TEST_USES_FILE names
 * (once per use and file; both workers append whole lines). Does nothing without it, or outside a
 * test file.
 */
export function recordUse(use: BackendUse): void {
  const out = process.env.WEDSYNC_TEST_USES_FILE;
  const testPath = expect.getState().testPath;
  if (!out || !testPath) return;
  const line = `${use}\t${path.relative(REPO, testPath)}\n`;
  if (written.has(line)) return;
  written.add(line);
  fs.appendFileSync(out, line);
}
