import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../server/errors.ts';
import { ADAPTER_ERROR_CODES } from '../../adapters/core/errors.ts';
import { AUTH_ERROR_STATUS } from '../../server/auth/auth-error.ts';
import { OAUTH_CONNECT_ERROR_STATUS } from '../../server/connections/oauth-error.ts';
import { INBOUND_REFUSALS } from '../../server/auth/inbound-rights.ts';
import { COLLAB_REFUSAL_CODES } from '../../schema/api/collab-refusal.ts';
import { CLOSE } from '../../server/collab/websocket-transport.ts';
import { TOO_MANY_MESSAGES } from '../../server/collab/flow-control.ts';
import { OWNER_LOST } from '../../server/collab/document-relay.ts';
import { DOCUMENT_ELSEWHERE_CLOSE, DOCUMENT_UNAVAILABLE_CLOSE } from '../../server/collab/document-unavailable.ts';
import { STORAGE_FAILED_CLOSE } from '../../server/collab/document-discard.ts';
import { main } from '../../server/cli/main.ts';
import { EVENT_TYPES } from '../../adapters/webhooks/config.ts';
import { allPresets } from '../../adapters/presets/index.ts';

/**
 * docs/troubleshooting-guide.md must name every code a user can meet, with the status the code
 * answers: these tables are read from the code, so a new code (or a changed status) fails here
 * until the guide says what it means and what to do.
 */
const guide = readFileSync(new URL('../../docs/troubleshooting-guide.md', import.meta.url), 'utf8');

/** The table rows of the guide that start with `` `code` ``: code → the row's cells after it. */
function rows(): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const line of guide.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2]!.split('|').map((c) => c.trim());
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), cells]);
  }
  return out;
}

/** The guide's section whose heading starts with `title`, up to the next `## `. */
function section(title: string): string {
  const start = guide.indexOf(`\n## ${title}`);
  expect(start, `section "${title}"`).toBeGreaterThan(-1);
  const end = guide.indexOf('\n## ', start + 4);
  return guide.slice(start, end === -1 ? undefined : end);
}

describe('docs/troubleshooting-guide.md covers every error code', () => {
  const table = rows();

  it('lists every HTTP error code of ERROR_CODES in a row with its status', () => {
    const missing: string[] = [];
    const wrong: string[] = [];
    for (const [code, status] of Object.entries(ERROR_CODES)) {
      const found = table.get(code);
      if (!found) missing.push(code);
      else if (!found.some((cells) => cells[0] === String(status))) wrong.push(`${code} (is ${status})`);
    }
    expect(missing, 'codes without a row').toEqual([]);
    expect(wrong, 'rows whose status is not the code\'s').toEqual([]);
  });

  it('lists every OAuth connect refusal with its status', () => {
    const http = section('HTTP API: integrations');
    for (const [code, status] of Object.entries(OAUTH_CONNECT_ERROR_STATUS)) {
      expect(http, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
    }
  });

  it('explains every adapter error code and inbound refusal reason under Integrations', () => {
    const integrations = section('Integrations: what the status endpoint');
    for (const code of ADAPTER_ERROR_CODES) expect(integrations, code).toContain(`| \`${code}\` |`);
    for (const reason of INBOUND_REFUSALS) expect(integrations, reason).toContain(`| \`${reason}\` |`);
  });

  it('lists every WebSocket close code with its reason, and every collaboration refusal', () => {
    const ws = section('WebSocket');
    const closes = [...Object.values(CLOSE), TOO_MANY_MESSAGES, STORAGE_FAILED_CLOSE, { code: DOCUMENT_ELSEWHERE_CLOSE, reason: 'document_owned_elsewhere' }, OWNER_LOST];
    for (const { code, reason } of closes) {
      const row = ws.split('\n').find((l) => l.startsWith(`| \`${code}\` |`) && l.includes(`\`${reason}\``));
      expect(row, `close ${code}`).toBeDefined();
      expect(row, `close ${code} reason`).toContain(`\`${reason}\``);
    }
    expect(ws).toContain(`| \`${DOCUMENT_UNAVAILABLE_CLOSE}\` |`);
    // Auth refusals close with 4000 + their HTTP status, the reason being the code itself.
    for (const [code, { ws: close }] of Object.entries(AUTH_ERROR_STATUS)) {
      if (code === 'csrf_failed' || code === 'workspace_forbidden' || code === 'session_missing') continue; // HTTP-only (cookies, workspaces)
      const row = ws.split('\n').find((l) => l.startsWith(`| \`${close}\` |`));
      expect(row, `${code} → ${close}`).toContain(`\`${code}\``);
    }
    for (const code of COLLAB_REFUSAL_CODES) expect(ws, code).toContain(`| \`${code}\` |`);
  });

  it('lists the exit codes the CLI really returns', async () => {
    const cli = section('Command line');
    const quiet = { out: () => {}, err: () => {}, env: { AUTH_SECRET: 'x'.repeat(40), DATA_DIR: '/nonexistent-wedsync-test' } };
    const usage = await main(['no-such-command'], quiet);
    const failed = await main(['snapshot', 'list', '--wedding', 'w1', '--url', 'http://127.0.0.1:1', '--token', 't'], quiet);
    const badEnv = await main(['token', '--role', 'planner', '--wedding', 'w1'], { ...quiet, env: { PORT: 'not a port' } });
    expect([usage, failed, badEnv]).toEqual([2, 1, 2]);
    for (const exit of [0, usage, failed]) expect(cli, `exit ${exit}`).toContain(`| \`${exit}\` |`);
  });
});

describe('docs/webhook-implementation.md covers the universal adapter', () => {
  it('lists every event type the webhooks adapter takes, each in its table', () => {
    const doc = readFileSync(new URL('../../docs/webhook-implementation.md', import.meta.url), 'utf8');
    for (const type of EVENT_TYPES) expect(doc, type).toContain(`| \`${type}\` |`);
  });
});

describe('docs/crm-setup-guide.md covers every preset', () => {
  it('has a row for each preset naming its id and every trigger id', () => {
    const doc = readFileSync(new URL('../../docs/crm-setup-guide.md', import.meta.url), 'utf8');
    const lines = doc.split('\n');
    expect(allPresets().size).toBeGreaterThan(0);
    for (const [id, preset] of allPresets()) {
      const row = lines.find((l) => l.startsWith('| ') && l.includes(`| \`${id}\` |`));
      expect(row, `row for ${id}`).toBeDefined();
      for (const trigger of preset.triggers) expect(row, `${id} trigger ${trigger.id}`).toContain(`\`${trigger.id}\``);
    }
  });
});
