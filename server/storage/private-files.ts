import fs from 'node:fs';

/**
 * The data directory holds personal data, credentials and keys, so nobody but the server's own user
 * may read it: the directory is 0700 and every file in it 0600, whatever the process umask.
 *
 * SQLite creates the `-wal` and `-shm` files with the permissions of the database file itself, so a
 * database file created 0600 here keeps its companions private too.
 */

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** What the server keeps in its data directory; a directory holding anything else is not only ours. */
const OUR_FILES = /^(wedsync\.sqlite(-wal|-shm|-journal)?|auth-secret|credentials-key(\.next)?|demo-state\.json)$/;

/**
 * Creates `dir` (and parents) as 0700. An existing directory open to group or others is narrowed to
 * 0700 only when it holds nothing but the server's own files: DATA_DIR=/tmp (or a shared folder) must
 * not take everyone else's access away.
 */
export function ensurePrivateDir(dir: string): void {
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    narrow(dir, DIR_MODE); // mkdir's mode is subject to the umask, which only ever removes bits; still, be sure
    return;
  }
  if (fs.readdirSync(dir).every((name) => OUR_FILES.test(name))) narrow(dir, DIR_MODE);
}

/** Creates `file` empty as 0600 if it does not exist; an existing file open to group or others is narrowed to 0600. */
export function ensurePrivateFile(file: string): void {
  try {
    fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  narrow(file, FILE_MODE);
}

/** Narrows an existing file's mode when group or others have any access; absent files are left alone. */
export function narrowIfPresent(file: string): void {
  if (fs.existsSync(file)) narrow(file, FILE_MODE);
}

function narrow(target: string, mode: number): void {
  const current = fs.statSync(target).mode & 0o777;
  if (current & 0o077) fs.chmodSync(target, mode);
}
