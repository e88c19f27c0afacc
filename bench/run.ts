/**
 * `npm run bench -- <name> [options]`: runs one benchmark, prints its table and writes
 * bench/results/<name>-<timestamp>.json.
 */
const benches: Record<string, () => Promise<{ default: (args: string[]) => Promise<void> }>> = {
  core: () => import('./core.ts'),
  webhooks: () => import('./webhooks.ts'),
  calendars: () => import('./calendars.ts'),
  comms: () => import('./comms.ts'),
  'large-doc': () => import('./large-document.ts'),
  connections: () => import('./connections.ts'),
  'planner-load': () => import('./planner-load.ts'),
  'planner-load-profile': () => import('./planner-load-profile.ts'),
  storage: () => import('./storage-backends.ts'),
  inbox: () => import('./inbox-backends.ts'),
  'compaction-trim': () => import('./compaction-trim.ts'),
  'demo-start': () => import('./demo-start.ts'),
  cluster: () => import('./cluster.ts'),
  'pdf-render': () => import('./pdf-render.ts'),
};

const [name, ...args] = process.argv.slice(2);
if (!name || !benches[name]) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]`);
  process.exit(2);
}
await (await benches[name]!()).default(args);
process.exit(0);
