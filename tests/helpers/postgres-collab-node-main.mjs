// Runs one collaboration node (postgres-collab-node.ts) as its own process (collab-node-process.ts), so a test can
// kill -9 or SIGSTOP it: env DATABASE_URL, INSTANCE_ID, DOCUMENT_LEASE_MS, DATA_DIR, NODE_ROUTE (non-empty: relay to owners), NODE_PORT, NODE_BRIDGE_KEY (non-empty: run the bridge, CollabNodeOptions.bridgeKey) (and NODE_LOG_LEVEL). Prints
// `listening <port>` once it accepts connections.
import '../../server/cli/typescript-loader.mjs';

const { startCollabNode } = await import('./postgres-collab-node.ts');
// An empty DATABASE_URL runs the same node on SQLite (bench/cluster.ts's baseline).
const node = await startCollabNode({
  databaseUrl: process.env.DATABASE_URL ?? '',
  instanceId: process.env.INSTANCE_ID,
  leaseMs: Number(process.env.DOCUMENT_LEASE_MS),
  dataDir: process.env.DATA_DIR,
  route: Boolean(process.env.NODE_ROUTE),
  port: Number(process.env.NODE_PORT ?? 0),
  bridgeKey: process.env.NODE_BRIDGE_KEY || undefined,
});
process.stdout.write(`listening ${node.port}\n`);
process.once('SIGTERM', () => void node.stop().then(() => process.exit(0)));
