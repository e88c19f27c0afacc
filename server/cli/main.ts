import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';

export const USAGE = `usage: wedsync <command> [options]

commands:
  serve [--demo]                          start the server (what npm start runs); --demo offers the demo
                                          studio with in-process sandboxes (docs/operations.md#demo)
  token --role R --wedding W [--ttl 2h]   print a token (W repeatable or comma-separated, * for all)
        [--sub ID] [--name NAME] [--vendor-id ID]
  snapshot create --wedding W --label L   snapshot a wedding
  snapshot list --wedding W               list a wedding's snapshots
  snapshot show --wedding W --id S        print a snapshot's content as JSON
  snapshot preview --wedding W --id S     what restoring would change, per section (changes nothing)
        [--sections meta,timeline,…]
  snapshot restore --wedding W --id S     restore a snapshot (an automatic snapshot is taken first)
        [--sections meta,timeline,…]    sections to roll back (default meta,timeline,vendors; also
                                          guests, contacts, tasks, payments, messages, conflicts)
  export --wedding W [--out FILE]         export a wedding as JSON
  peer --config peer.json                 run one integration as a headless peer of a remote server
                                          (see docs/integrations.md: out-of-process peers)
  backup --out DIR [--with-keys]          a consistent copy of the database while the server runs, with
                                          a manifest; --with-keys also copies DATA_DIR's key files
  restore --from DIR                      put a backup into an empty DATA_DIR (server stopped)
  keys rotate [--generate | --new-key-file FILE]
                                          re-encrypt every stored secret under a new key (server
                                          stopped; or CREDENTIALS_KEY_NEW; see docs/operations.md)

admin commands talk to the running server: --url (default http://HOST:PORT) and --token (default: a
short-lived admin token signed with the server's secret from AUTH_SECRET or DATA_DIR).`;

/** A command-line failure: printed as one line, exit code 2 for usage errors, 1 otherwise. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
  }
}

const OPTIONS = {
  role: { type: 'string' },
  wedding: { type: 'string', multiple: true },
  ttl: { type: 'string' },
  sub: { type: 'string' },
  name: { type: 'string' },
  'vendor-id': { type: 'string' },
  label: { type: 'string' },
  sections: { type: 'string', multiple: true },
  id: { type: 'string' },
  out: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  config: { type: 'string' },
  'new-key-file': { type: 'string' },
  generate: { type: 'boolean' },
  from: { type: 'string' },
  'with-keys': { type: 'boolean' },
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type CliOptions = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
}

const defaultIO: CliIO = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
  env: process.env,
};

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [command, sub] = positionals;
    if (values.help || !command) {
      io.out(USAGE);
      return command || values.help ? 0 : 2;
    }
    const config: Config = loadConfig(io.env);
    switch (command) {
      // Each command loads only what it needs: `token` must not wait for every adapter to load.
      case 'serve':
        await (await import('./serve.ts')).serve(values.demo ? { ...config, DEMO: true } : config, io);
        return 0;
      case 'token':
        io.out(await (await import('./token-command.ts')).tokenCommand(config, values, io));
        return 0;
      case 'peer':
        await (await import('./peer-command.ts')).runPeer(config, values, io);
        return 0;
      case 'keys':
        io.out(await (await import('./keys-command.ts')).keysCommand(config, sub, values));
        return 0;
      case 'backup':
        io.out((await import('./backup-command.ts')).backupCommand(config, values));
        return 0;
      case 'restore':
        io.out((await import('./backup-command.ts')).restoreCommand(config, values, io));
        return 0;
      case 'snapshot':
      case 'export':
        await (await import('./admin-commands.ts')).runAdminCommand(config, command, sub, values, io);
        return 0;
      default:
        throw new CliError(`unknown command ${JSON.stringify(command)}; run wedsync --help`, 2);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`wedsync: ${message.split('\n')[0]}`);
    if (error instanceof CliError) return error.exitCode;
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return 2;
    return 1;
  }
}
