// A load-generator process for bench/cluster-sockets.ts (socket-load.ts). env: LOAD_URL, LOAD_WEDDINGS (comma-separated),
// LOAD_SOCKETS_PER_WEDDING. Prints one JSON line `{"connected":…}` once every socket synced; then each stdin line
// `write <rate> <seconds>` prints `{"latencies":[…],"sent":…,"expected":…}`, and `close` ends it.
import readline from 'node:readline';
import '../server/cli/typescript-loader.mjs';

const { startSocketLoad } = await import('./socket-load.ts');
const load = await startSocketLoad({ url: process.env.LOAD_URL, weddings: process.env.LOAD_WEDDINGS.split(','), socketsPerWedding: Number(process.env.LOAD_SOCKETS_PER_WEDDING) });
process.stdout.write(`${JSON.stringify({ connected: load.sockets, connectMs: load.connectMs })}\n`);
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [cmd, a, b] = line.trim().split(' ');
  if (cmd === 'write') process.stdout.write(`${JSON.stringify(await load.write(Number(a), Number(b)))}\n`);
  if (cmd === 'close') { load.close(); process.exit(0); }
}
