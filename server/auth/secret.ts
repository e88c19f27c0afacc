import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../storage/private-files.ts';

export interface ResolvedSecret {
  secret: string;
  /** Where it came from: the environment, a file in DATA_DIR, or generated just now. */
  source: 'env' | 'file' | 'generated';
  file?: string;
}

/** AUTH_SECRET from config, else the one kept in `dataDir/auth-secret`, else a new one written there. */
export function resolveAuthSecret(configured: string | undefined, dataDir: string, create = true): ResolvedSecret {
  if (configured) return { secret: configured, source: 'env' };
  const file = path.join(dataDir, 'auth-secret');
  if (fs.existsSync(file)) {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length < 32) throw new Error(`${file} holds fewer than 32 characters; delete it or set AUTH_SECRET`);
    return { secret, source: 'file', file };
  }
  if (!create) throw new Error(`no AUTH_SECRET set and no ${file}; start the server once or set AUTH_SECRET`);
  ensurePrivateDir(dataDir);
  const secret = crypto.randomBytes(48).toString('base64url');
  // 'wx' so that two processes starting at once cannot overwrite each other's secret.
  try {
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return resolveAuthSecret(undefined, dataDir, false);
    throw error;
  }
  return { secret, source: 'generated', file };
}
