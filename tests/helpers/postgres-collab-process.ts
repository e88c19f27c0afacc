import { startCollabNodeProcess, type PostgresCollabProcess } from './collab-node-process.ts';
import { registerTeardown } from './teardown.ts';

export type { PostgresCollabProcess } from './collab-node-process.ts';

/** Runs a PostgreSQL collaboration node as its own process (collab-node-process.ts), killed at teardown (thawed first if frozen). */
export async function spawnPostgresCollabNode(options: Parameters<typeof startCollabNodeProcess>[0]): Promise<PostgresCollabProcess> {
  const node = await startCollabNodeProcess(options);
  registerTeardown(async () => {
    const { child } = node;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await node.exited;
  });
  return node;
}
