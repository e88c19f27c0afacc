// The worker thread of wal-checkpointer.ts: its own connection to the database, which copies the
// WAL into the database file (and fsyncs both) every `intervalMs`, off the server's event loop.
// Plain JavaScript, so the thread starts without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, intervalMs } = workerData;
const db = new Database(file, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    // PASSIVE neither waits for nor blocks the writer; frames still in use wait for the next round.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}, intervalMs);

parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ type: 'closed' });
  parentPort.close();
});
parentPort.postMessage({ type: 'ready' });
