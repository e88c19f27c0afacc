import * as decoding from 'lib0/decoding';
import type { Page } from 'playwright-core';

// Hocuspocus message types (@hocuspocus/common MessageType) and y-protocols sync steps.
const TYPES: Record<number, string> = { 0: 'sync', 1: 'awareness', 2: 'auth', 3: 'queryAwareness', 4: 'syncReply', 5: 'stateless', 6: 'broadcastStateless', 7: 'close', 8: 'syncStatus' };
const SYNC_STEPS = ['step1', 'step2', 'update'];

function describe(payload: string | Buffer): string {
  try {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'binary') : payload;
    const d = decoding.createDecoder(new Uint8Array(bytes));
    const name = decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    let detail = '';
    if (type === 0 || type === 4) detail = ` ${SYNC_STEPS[decoding.readVarUint(d)] ?? '?'} ${bytes.length} B`;
    else if (type === 2) detail = ` ${['token', 'permissionDenied', 'authenticated'][decoding.readVarUint(d)] ?? '?'}`;
    else if (type === 5) detail = ` ${decoding.readVarString(d).slice(0, 100)}`;
    else if (type === 8) detail = ` ${decoding.readVarUint(d) === 1 ? 'applied' : 'not applied'}`;
    return `${name} ${TYPES[type] ?? `type ${type}`}${detail}`;
  } catch {
    return `${typeof payload === 'string' ? 'text' : 'binary'} frame`;
  }
}

/**
 * Records what a page's collaboration sockets send (`>`) and receive (`<`), with the page's console
 * errors and warnings, in ms from the start: a wait that fails can then say what the socket did
 * (refusals, closes, unanswered updates) instead of only that it timed out. Awareness is left out.
 */
export function recordCollabFrames(page: Page): { trace(): string } {
  const started = Date.now();
  const lines: string[] = [];
  const note = (line: string) => { lines.push(`${Date.now() - started} ms ${line}`); };
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') note(`console ${m.type()}: ${m.text().slice(0, 200)}`); });
  page.on('websocket', (ws) => {
    note(`socket opened ${new URL(ws.url()).pathname}`);
    const frame = (dir: string) => ({ payload }: { payload: string | Buffer }) => {
      const text = describe(payload);
      if (!text.includes(' awareness')) note(`${dir} ${text}`);
    };
    ws.on('framesent', frame('>'));
    ws.on('framereceived', frame('<'));
    ws.on('close', () => note('socket closed'));
  });
  return { trace: () => lines.slice(-80).join('\n') };
}

/** Runs `wait`; if it throws, its error message gains `state()` (read then) and the recorded frames. */
export async function withFrames<T>(frames: { trace(): string }, wait: () => Promise<T>, state?: () => string): Promise<T> {
  try {
    return await wait();
  } catch (error) {
    if (error instanceof Error) error.message += `${state ? `\n${state()}` : ''}\ncollaboration frames of the page:\n${frames.trace()}`;
    throw error;
  }
}
