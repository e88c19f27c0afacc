import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_ERROR_CODES } from '../../schema/errors.ts';
import { AUTH_ERROR_CODES, AUTH_ERROR_STATUS, AuthError } from '../../server/auth/auth-error.ts';
import { OIDC_ERROR_CODES, OIDC_ERROR_STATUS, OidcError } from '../../server/auth/oidc/oidc-error.ts';
import { BRIDGE_ERROR_CODES, BRIDGE_ERROR_STATUS, BridgeError } from '../../server/bridge/bridge-error.ts';
import { CALENDAR_ERROR_CODES, CalendarError } from '../../server/calendar/calendar-service.ts';
import { DocumentLoadError } from '../../server/collab/document-unavailable.ts';
import { COMMS_ERROR_CODES, COMMS_ERROR_STATUS, CommsError } from '../../server/comms/comms-error.ts';
import { ERROR_CODES, WedSyncError, isErrorCode } from '../../server/errors.ts';
import { HTTP_ERROR_CODES, HttpError } from '../../server/http/http-error.ts';
import { PASSKEY_ERROR_CODES } from '../../server/http/passkey-routes.ts';
import { PeopleConflictError } from '../../server/people/people-store.ts';
import { StorageUnavailableError } from '../../server/storage/storage-health.ts';

const root = new URL('../..', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('ERROR_CODES', () => {
  it('gives every code a 4xx or 5xx status and a snake_case name', () => {
    for (const [code, status] of Object.entries(ERROR_CODES)) {
      expect(code, code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(status >= 400 && status <= 599, `${code}: ${status}`).toBe(true);
    }
  });

  it("holds every domain's codes, each with the status its table answers", () => {
    const domains: Array<[string, readonly string[]]> = [
      ['http', HTTP_ERROR_CODES], ['auth', AUTH_ERROR_CODES], ['oidc', OIDC_ERROR_CODES], ['bridge', BRIDGE_ERROR_CODES],
      ['comms', COMMS_ERROR_CODES], ['calendar', CALENDAR_ERROR_CODES], ['passkey', PASSKEY_ERROR_CODES], ['schema', SCHEMA_ERROR_CODES],
    ];
    for (const [domain, codes] of domains) for (const code of codes) expect(isErrorCode(code), `${domain}: ${code}`).toBe(true);
    const tables: Array<Record<string, number>> = [BRIDGE_ERROR_STATUS, COMMS_ERROR_STATUS, OIDC_ERROR_STATUS];
    for (const table of tables) for (const [code, status] of Object.entries(table)) expect([code, status]).toEqual([code, ERROR_CODES[code as keyof typeof ERROR_CODES]]);
    for (const code of AUTH_ERROR_CODES) {
      expect(AUTH_ERROR_STATUS[code].http).toBe(ERROR_CODES[code]);
      expect(AUTH_ERROR_STATUS[code].ws, code).toBe(4000 + ERROR_CODES[code]);
    }
  });

  it('keeps the statuses the server answered before the table existed', () => {
    expect(ERROR_CODES).toMatchObject({
      token_missing: 401, wedding_forbidden: 403, document_unknown: 400, csrf_failed: 403,
      signature_invalid: 401, sync_failed: 502, destination_forbidden: 400, conflict_already_resolved: 409,
      currency_mismatch: 409, invalid_ack_link: 404, oidc_unavailable: 502, oidc_provider_unknown: 404,
      passkey_exists: 409, passkey_unknown: 400, invitation_expired: 410, rate_limited: 429,
      duplicate: 409, document_too_large: 413, document_unavailable: 503, storage_unavailable: 503, conflict: 409,
    });
  });

  it('is the status of every literal code/status pair written in the server source (one code, one status)', () => {
    const seen = new Map<string, Set<number>>();
    const patterns = [
      /new HttpError\(\s*(\d{3}),\s*'([a-z_]+)'/g,
      /errorBody\('([a-z_]+)',(?:[^;]*?)\),\s*(\d{3})\)/g,
      /\{ error: \{ code: '([a-z_]+)'[^;]*?\} \}, (\d{3})/g,
    ];
    for (const file of [...sourceFiles(path.join(root, 'server')), ...sourceFiles(path.join(root, 'adapters'))]) {
      const text = fs.readFileSync(file, 'utf8');
      for (const [i, pattern] of patterns.entries()) {
        for (const m of text.matchAll(pattern)) {
          const [code, status] = i === 0 ? [m[2]!, Number(m[1])] : [m[1]!, Number(m[2])];
          seen.set(code, (seen.get(code) ?? new Set()).add(status));
        }
      }
    }
    expect(seen.size).toBeGreaterThan(5);
    for (const [code, statuses] of seen) {
      expect(isErrorCode(code), `${code} is answered but not in ERROR_CODES`).toBe(true);
      expect([code, [...statuses]]).toEqual([code, [ERROR_CODES[code as keyof typeof ERROR_CODES]]]);
    }
  });
});

describe('WedSyncError', () => {
  it('takes its status from ERROR_CODES and keeps cause, details and headers', () => {
    const cause = new Error('inner');
    const e = new WedSyncError('rate_limited', 'slow down', { cause, details: { limit: 'api' }, headers: { 'Retry-After': '3' } });
    expect(e).toBeInstanceOf(Error);
    expect([e.code, e.status, e.message, e.cause, e.details, e.headers]).toEqual(['rate_limited', 429, 'slow down', cause, { limit: 'api' }, { 'Retry-After': '3' }]);
  });

  it('is the base of every domain error class, whose constructors are unchanged', () => {
    const errors: WedSyncError[] = [
      new BridgeError('sync_failed', 'x'), new AuthError('csrf_failed', 'x'), new OidcError('oidc_denied', 'x'),
      new CommsError('currency_mismatch', 'x'), new CalendarError('feed_not_found', 'x'), new PeopleConflictError('x'),
      new StorageUnavailableError('x'), new DocumentLoadError('x'), new HttpError(410, 'invitation_used_up', 'x', { n: 1 }),
    ];
    expect(errors.map((e) => [e instanceof WedSyncError, e.status])).toEqual([
      [true, 502], [true, 403], [true, 400], [true, 409], [true, 404], [true, 409], [true, 503], [true, 503], [true, 410],
    ]);
    expect(errors.map((e) => e.name)).toEqual([
      'BridgeError', 'AuthError', 'OidcError', 'CommsError', 'CalendarError', 'PeopleConflictError', 'StorageUnavailableError', 'DocumentLoadError', 'HttpError',
    ]);
  });

  it('refuses an HttpError whose status is not its code\'s', () => {
    expect(() => new HttpError(400 as 404, 'not_found', 'x')).toThrow(/not_found: status 400/);
  });
});
