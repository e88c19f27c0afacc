/**
 * The server under test for `npm run bench -- comms`, in its own process:
 *   node --import ./server/cli/typescript-loader.mjs bench/comms-server.ts <dataDir>
 * Cascades notify without delay and escalation waits long enough never to run during a measurement.
 */
import { loadConfig } from '../server/config.ts';
import { NO_RATE_LIMITS, SANDBOX_OUTBOUND } from './server-env.ts';
import { createLogger } from '../server/logger.ts';
import { createWedSyncServer } from '../server/wedsync-server.ts';

const BENCH_SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const [dataDir] = process.argv.slice(2) as [string];

const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', NOTIFY_QUIET_MINUTES: '0', EMERGENCY_ESCALATE_AFTER_S: '86400', PUSH_COALESCE_MS: '0', ...NO_RATE_LIMITS, ...SANDBOX_OUTBOUND });
const server = createWedSyncServer(config, { authSecret: BENCH_SECRET, logger: createLogger(config) });
const { port } = await server.listen();
process.send!({ type: 'ready', port });
process.on('SIGINT', () => process.exit(0));
