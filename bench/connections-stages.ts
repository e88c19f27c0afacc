/**
 * Where the time of "external change → all bound weddings" goes in `npm run bench -- connections`:
 * each sample (a notification sent at `sent`, the event visible in every bound wedding's client at
 * `visible`) is matched with the server's stage timestamps of its connection (TraceEvent, from
 * server/bridge/bridge-trace.ts and undici's request channels), each stage taken as the first of
 * its kind after the stage before. All times are epoch ms of one machine.
 */
import type { TraceEvent } from './connections-spec.ts';
import { summarize } from './stats.ts';

export interface E2eSample { connectionId: string; weddings: string[]; sent: number; visible: number[] }

export interface StageBreakdown {
  /** Per stage, the time from the stage before (ms); samples missing a stage are left out of it. */
  stages: Record<string, ReturnType<typeof summarize>>;
  /** The five slowest samples, stage by stage (ms), with the server stalls (> 50 ms) inside them. */
  slowest: { total: number; stages: Record<string, number>; stalls: string }[];
  /** Server event-loop stalls over 50 ms during the load: [epoch ms at its end, length ms]. */
  stalls: [number, number][];
}

const STEPS: [name: string, stage: string][] = [
  ['sent → webhook handler', 'webhook'],
  ['→ pull requested', 'pull.requested'],
  ['→ pull started (behind a running pull)', 'pull.started'],
  ['→ list request made', 'http.queued'],
  ['→ on a socket (pool wait)', 'http.sent'],
  ['→ answered (sandbox)', 'http.answered'],
  ['→ page read', 'pull.read'],
  ['→ rows in the inbox', 'pull.stored'],
];

export function stageBreakdown(samples: E2eSample[], events: TraceEvent[]): StageBreakdown {
  const byKey = new Map<string, TraceEvent[]>();
  const stalls: [number, number][] = [];
  for (const e of events) {
    if (e[0] === 'stall') { stalls.push([e[2], Number(e[3])]); continue; }
    (byKey.get(e[1]) ?? byKey.set(e[1], []).get(e[1])!).push(e);
  }
  for (const list of byKey.values()) list.sort((a, b) => a[2] - b[2]);
  const per: Record<string, number[]> = {};
  const all: { total: number; stages: Record<string, number>; stalls: string }[] = [];
  for (const s of samples) {
    const list = byKey.get(s.connectionId) ?? [];
    const first = (stage: string, after: number, wedding?: string) => list.find((e) => e[0] === stage && e[2] >= after && (wedding === undefined || e[3] === wedding))?.[2];
    const stages: Record<string, number> = {};
    const visible = Math.max(...s.visible);
    let at = s.sent;
    for (const [name, stage] of STEPS) {
      const t = first(stage, at);
      // A stage after the change was visible everywhere belongs to another delivery (the change came by a pull already under way).
      if (t === undefined || t > visible) continue;
      stages[name] = t - at;
      at = t;
    }
    const applied = s.weddings.map((w) => first('inbox.applied', at, w));
    if (applied.every((t) => t !== undefined && t <= visible)) {
      const last = Math.max(...(applied as number[]));
      stages['→ applied in every wedding'] = last - at;
      at = last;
    }
    stages['→ visible in every client'] = visible - at;
    for (const [k, v] of Object.entries(stages)) (per[k] ??= []).push(v);
    const inside = stalls.filter(([end, ms]) => end >= s.sent && end - ms <= visible).map(([, ms]) => `${ms}`);
    all.push({ total: visible - s.sent, stages, stalls: inside.join('+') });
  }
  const order = [...STEPS.map(([name]) => name), '→ applied in every wedding', '→ visible in every client'];
  return {
    stages: Object.fromEntries(order.filter((k) => per[k]).map((k) => [k, summarize(per[k]!)])),
    slowest: all.sort((a, b) => b.total - a.total).slice(0, 5),
    stalls,
  };
}
