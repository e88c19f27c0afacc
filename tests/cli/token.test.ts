import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createTokenService } from '../../server/auth/tokens.ts';
import { CLI } from '../helpers/child-server.ts';
import { tempDir } from '../helpers/test-server.ts';

const run = promisify(execFile);

async function wedsync(dataDir: string, ...args: string[]) {
  return run(process.execPath, [CLI, ...args], { env: { ...process.env, DATA_DIR: dataDir, AUTH_SECRET: '' } })
    .then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }))
    .catch((e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
}

describe('wedsync token', () => {
  it('prints only a token that the server secret in DATA_DIR verifies, with the requested role, weddings and ttl', async () => {
    const dir = tempDir();
    const r = await wedsync(dir, 'token', '--role', 'planner', '--wedding', 'w1', '--wedding', 'w2,w3', '--ttl', '2h', '--name', 'Pam');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const secret = fs.readFileSync(path.join(dir, 'auth-secret'), 'utf8').trim();
    const claims = await createTokenService(secret).verify(r.stdout.trim());
    expect(claims).toMatchObject({ role: 'planner', weddings: ['w1', 'w2', 'w3'], name: 'Pam' });
    expect(claims.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(2 * 3600 - 30);
    expect(claims.exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(2 * 3600);
    // The secret was made just now: one line on stderr says which server will accept the token.
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining(`a new one was created in ${path.join(dir, 'auth-secret')}`)]);
    const again = await wedsync(dir, 'token', '--role', 'planner', '--wedding', 'w1');
    expect(again.stderr).toBe('');
  });

  it('fails with exit code 2 and one line for bad arguments', async () => {
    const dir = tempDir();
    for (const args of [['--role', 'bogus', '--wedding', 'w1'], ['--role', 'planner'], ['--role', 'planner', '--wedding', 'w1', '--ttl', 'soon'], ['--role', 'planner', '--wedding', 'bad id!'], ['--role', 'planner', '--wedding', '*'], ['--role', 'vendor', '--wedding', 'w1,*'], ['--nope']]) {
      const r = await wedsync(dir, 'token', ...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^wedsync: /);
    }
    const unknown = await wedsync(dir, 'frobnicate');
    expect(unknown.code).toBe(2);
  });
});
