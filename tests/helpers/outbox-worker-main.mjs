// Runs one outbox delivery node (outbox-worker-node.ts) as its own process, so a cluster test can kill -9 or SIGSTOP it.
// env: DATABASE_URL, INSTANCE_ID, CLAIM_TTL_MS, DATA_DIR, RECEIVER_URL, INTEGRATIONS (comma-separated ids).
// Prints `ready <holder>` once its worker runs; any line on stdin kicks it (new rows were written).
import '../../server/cli/typescript-loader.mjs';

const { startOutboxNode } = await import('./outbox-worker-node.ts');
const node = await startOutboxNode({
  databaseUrl: process.env.DATABASE_URL,
  instanceId: process.env.INSTANCE_ID,
  claimTtlMs: Number(process.env.CLAIM_TTL_MS),
  dataDir: process.env.DATA_DIR,
  receiverUrl: process.env.RECEIVER_URL,
  integrations: process.env.INTEGRATIONS.split(','),
});
process.stdout.write(`ready ${node.holder}\n`);
process.stdin.on('data', () => node.kick());
process.once('SIGTERM', () => void node.stop().then(() => process.exit(0)));
