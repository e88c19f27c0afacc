import fs from 'node:fs';
import { RESTORE_SECTIONS, type SnapshotRestoreBody } from '../../schema/api/admin.ts';
import { cliAuthSecret } from './cli-secret.ts';
import { createTokenService } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { CliError, type CliIO, type CliOptions } from './main.ts';
import { clipText } from '../../schema/index.ts';

function need(value: string | undefined, flag: string): string {
  if (!value) throw new CliError(`--${flag} is required`, 2);
  return value;
}

export function serverUrl(config: Config, o: CliOptions): string {
  if (o.url) return o.url.replace(/\/$/, '');
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/$/, '');
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  return `http://${host}:${config.PORT}`;
}

async function adminToken(config: Config, o: CliOptions): Promise<string> {
  if (o.token) return o.token;
  const { secret } = cliAuthSecret(config, false);
  return createTokenService(secret).sign({ sub: 'cli', role: 'admin', weddings: ['*'] }, 300);
}

async function call(config: Config, o: CliOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const url = serverUrl(config, o) + path;
  // Before the request: a missing secret is not an unreachable server.
  const token = await adminToken(config, o);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new CliError(`cannot reach the server at ${serverUrl(config, o)} (${(error as Error).cause ?? (error as Error).message}); is it running? use --url`);
  }
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  if (!res.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new CliError(`${res.status} ${e?.code ?? 'error'}: ${e?.message ?? clipText(text, 200)}`);
  }
  return json;
}

export async function runAdminCommand(config: Config, command: 'snapshot' | 'export', sub: string | undefined, o: CliOptions, io: CliIO): Promise<void> {
  const weddings = o.wedding ?? [];
  if (weddings.length !== 1) throw new CliError('--wedding is required, once', 2);
  const w = encodeURIComponent(weddings[0]!);
  const print = (value: unknown) => io.out(JSON.stringify(value, null, 2));
  if (command === 'export') {
    const body = await call(config, o, 'GET', `/api/admin/weddings/${w}/export`);
    if (o.out) {
      fs.writeFileSync(o.out, JSON.stringify(body, null, 2) + '\n');
      io.err(`wrote ${o.out}`);
    } else print(body);
    return;
  }
  switch (sub) {
    case 'create':
      return print(await call(config, o, 'POST', `/api/admin/weddings/${w}/snapshots`, { label: need(o.label, 'label') }));
    case 'list':
      return print(await call(config, o, 'GET', `/api/admin/weddings/${w}/snapshots`));
    case 'show':
      return print(await call(config, o, 'GET', `/api/admin/weddings/${w}/snapshots/${encodeURIComponent(need(o.id, 'id'))}`));
    case 'preview':
      return print(await call(config, o, 'POST', `/api/admin/weddings/${w}/snapshots/${encodeURIComponent(need(o.id, 'id'))}/restore/preview`, restoreBody(o)));
    case 'restore':
      return print(await call(config, o, 'POST', `/api/admin/weddings/${w}/snapshots/${encodeURIComponent(need(o.id, 'id'))}/restore`, restoreBody(o)));
    default:
      throw new CliError('snapshot needs a subcommand: create, list, show, preview or restore', 2);
  }
}

/** `--sections a,b --sections c` → the restore body; unknown names are a usage error. */
function restoreBody(o: CliOptions): SnapshotRestoreBody {
  if (!o.sections) return {};
  const names = o.sections.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(RESTORE_SECTIONS as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) {
    throw new CliError(`--sections takes ${RESTORE_SECTIONS.join(', ')} (got ${unknown.join(', ') || 'nothing'})`, 2);
  }
  return { sections: [...new Set(names)] as SnapshotRestoreBody['sections'] };
}
