import fs from 'node:fs';
import path from 'node:path';
import type { GoogleSandboxState } from '../../adapters/google-calendar/sandbox.ts';
import type { StripeSandboxState } from '../../adapters/stripe/sandbox.ts';
import type { VscoSandboxState } from '../../adapters/vsco-workspace/sandbox.ts';

/**
 * The demo's state on disk, so a restart resumes the same demo (issue 14): the demo's connections
 * point at its sandboxes by host name and port and hold their keys and tokens, so sandboxes made
 * anew by each process left them pointing at an account that no longer existed.
 *
 * One file, `<DATA_DIR>/demo-state.json` (0600: it holds the sandboxes' keys), written whole to a
 * temporary file and renamed over the old one, so a crash mid-write leaves the previous state. It
 * is written when the demo is set up, every DEMO_SAVE_INTERVAL_MS while it runs (when anything
 * changed), and at shutdown; what happened in the sandboxes in the last interval before a crash
 * (not a clean stop) is lost, as with a real system's outage, and the hub's pulls catch up.
 */
export const DEMO_STATE_FILE = 'demo-state.json';

/** @default 1000 ms: the sandboxes change at the pace of a person clicking through the story. */
export const DEMO_SAVE_INTERVAL_MS = 1000;

export interface DemoSandboxesState {
  /** The sandboxes' host name (demoSandboxHost): the connections' URLs name it. */
  host: string;
  /** Loopback ports the sandboxes listened on; a restart listens on the same ones when free. */
  ports: { vsco: number; google: number; stripe: number };
  vsco: VscoSandboxState;
  google: GoogleSandboxState;
  stripe: StripeSandboxState;
}

export interface DemoState {
  version: 1;
  sandboxes: DemoSandboxesState;
  /**
   * The hub's address (PUBLIC_URL, or http://HOST:port) the sandboxes' webhook endpoints, hooks and
   * watch channels point at. A resumed demo on another address registers them again (DemoService
   * `repoint`). Absent in states saved before it was kept: they are registered again too.
   */
  hubUrl?: string;
  run: {
    ownerId: string;
    anonymous: boolean;
    workspaceId: string;
    weddingId: string;
    /** The demo calendar's connection, which weddings made from inquiries are bound to. */
    googleConnectionId: string;
    /** Inquiries simulated so far (the next couple in turn). */
    inquiries: number;
  };
}

export const demoStatePath = (dataDir: string): string => path.join(dataDir, DEMO_STATE_FILE);

/** The saved state, or null when there is none. Throws on a file that is not a demo state (left for the operator to look at). */
export function readDemoState(file: string): DemoState | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const state = JSON.parse(text) as DemoState;
  if (state?.version !== 1 || !state.sandboxes?.host || !state.run?.weddingId) throw new Error(`${file} is not a demo state (version 1)`);
  return state;
}

/** Writes `text` (the JSON of a DemoState) atomically, as 0600. */
export function writeDemoState(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
