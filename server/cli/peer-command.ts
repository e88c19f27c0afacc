import fs from 'node:fs';
import type { Config } from '../config.ts';
import { createLogger } from '../logger.ts';
import { PeerConfig, startRemotePeer } from '../peer/remote-peer.ts';
import { CliError, type CliIO, type CliOptions } from './main.ts';

/** `wedsync peer --config peer.json`: runs until SIGTERM/SIGINT. */
export async function runPeer(config: Config, o: CliOptions, io: CliIO): Promise<void> {
  if (!o.config) throw new CliError('--config is required (a JSON file, see docs/integrations.md)', 2);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(o.config, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${o.config}: ${(error as Error).message}`, 2);
  }
  const parsed = PeerConfig.safeParse(raw);
  if (!parsed.success) throw new CliError(`invalid peer config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 2);
  const logger = createLogger(config);
  const peer = await startRemotePeer(parsed.data, logger);
  if (peer.webhookUrl) io.err(`  webhooks: ${peer.webhookUrl}`);
  io.err(`  peer ${parsed.data.integrationId} (${parsed.data.system}) running for wedding ${parsed.data.weddingId}`);
  await new Promise<void>((resolve) => {
    const stop = () => void peer.stop().finally(resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
