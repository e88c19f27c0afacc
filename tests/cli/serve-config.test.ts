import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/child-server.ts';
import { tempDir } from '../helpers/test-server.ts';

const run = promisify(execFile);

describe('wedsync serve: DATABASE_URL', () => {
  // Issue 15: instances given one DATABASE_URL form a cluster. Until serve runs on PostgreSQL, each
  // would run alone on its own SQLite file and accept writes the others never see: it refuses instead.
  it('refuses to start while DATABASE_URL is set: exit 2, one line naming it, nothing written to DATA_DIR', async () => {
    for (const url of ['postgres://wedsync@db.example:5432/wedsync', 'postgresql://db/wedsync', 'not a url']) {
      const dir = tempDir();
      const r = await run(process.execPath, [CLI, 'serve'], { env: { ...process.env, DATA_DIR: dir, PORT: '0', DATABASE_URL: url }, timeout: 30_000 })
        .then((x) => ({ code: 0, stdout: x.stdout, stderr: x.stderr }))
        .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^wedsync: DATABASE_URL is set, .*unset DATABASE_URL to run one node$/)]);
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  }, 90_000);
});
