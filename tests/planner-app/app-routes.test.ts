import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEDDING_VIEWS, parseRoute, routePath, type Route } from '../../client/app/src/routing/routes.ts';
import { isWeddingId } from '../../schema/document/names.ts';

describe('planner app routes', () => {
  it('reads /invite/<token> as the invitation page and writes it back', () => {
    expect(parseRoute('/invite/ox9dsq1_-kHJ1GvUt9q6uQhfAuyujw')).toEqual({ name: 'invite', token: 'ox9dsq1_-kHJ1GvUt9q6uQhfAuyujw' });
    expect(routePath({ name: 'invite', token: 'abc_DEF-123' })).toBe('/invite/abc_DEF-123');
  });

  it('sends an invitation path without a usable token to the start page', () => {
    for (const path of ['/invite', '/invite/', '/invite/short', '/invite/has%20space', '/invite/<script>alert(1)</script>']) {
      expect(parseRoute(path)).toEqual({ name: 'picker' });
    }
  });

  it('reads /workspaces/<id>/connections as the workspace’s Connections; other workspace paths go to the start page', () => {
    expect(parseRoute('/workspaces/wks_a1B2-c3/connections')).toEqual({ name: 'connections', workspaceId: 'wks_a1B2-c3' });
    expect(routePath({ name: 'connections', workspaceId: 'wks_x' })).toBe('/workspaces/wks_x/connections');
    for (const path of ['/workspaces', '/workspaces/wks_x', '/workspaces/wks_x/members', '/workspaces/has%20space/connections', `/workspaces/${'a'.repeat(65)}/connections`]) {
      expect(parseRoute(path)).toEqual({ name: 'picker' });
    }
  });

  it('reads /schedule as the vendor’s own schedule, and the new wedding views', () => {
    expect(parseRoute('/schedule')).toEqual({ name: 'schedule' });
    expect(parseRoute('/schedule/x')).toEqual({ name: 'picker' });
    for (const view of ['our-day', 'proposals', 'run-of-show'] as const) expect(parseRoute(`/w/w1/${view}`)).toEqual({ name: 'wedding', weddingId: 'w1', view });
  });

  it('reads /demo as the demo studio; anything below it goes to the start page', () => {
    expect(parseRoute('/demo')).toEqual({ name: 'demo' });
    expect(routePath({ name: 'demo' })).toBe('/demo');
    expect(parseRoute('/demo/x')).toEqual({ name: 'picker' });
  });

  it('round-trips every route through its path', () => {
    const route: fc.Arbitrary<Route> = fc.oneof(
      fc.constant({ name: 'picker' } as const),
      fc.constant({ name: 'demo' } as const),
      fc.record({ name: fc.constant('invite' as const), token: fc.stringMatching(/^[A-Za-z0-9_.~-]{8,64}$/) }),
      fc.record({
        // Only what the hub takes for a wedding id: the same characters, but never `__proto__`.
        name: fc.constant('wedding' as const), weddingId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).filter(isWeddingId),
        view: fc.constantFrom(...WEDDING_VIEWS),
      }),
      fc.record({ name: fc.constant('connections' as const), workspaceId: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) }),
      fc.constant({ name: 'schedule' } as const),
    );
    fc.assert(fc.property(route, (r) => { expect(parseRoute(routePath(r))).toEqual(r); }), { verbose: true });
  });

  it('reads a path naming no possible wedding (`__proto__`, too long, other characters) as the start page', () => {
    for (const path of ['/w/__proto__/timeline', '/w/__proto__', `/w/${'a'.repeat(65)}/timeline`, '/w/a.b/timeline']) {
      expect(parseRoute(path)).toEqual({ name: 'picker' });
    }
    expect(parseRoute('/w/__proto__x/admin')).toEqual({ name: 'wedding', weddingId: '__proto__x', view: 'admin' });
  });
});
