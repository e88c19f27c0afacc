import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The planner app's Vite config; its root is client/app and it builds into client/app/dist. */
export const PLANNER_APP_VITE_CONFIG = fileURLToPath(new URL('../../client/app/vite.config.ts', import.meta.url));

export interface PlannerBuildOptions {
  /** Where to write the build. @default client/app/dist */
  outDir?: string;
  /** Vite's console output. @default 'warn' */
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

/**
 * Builds the planner app with Vite's JavaScript API (what `npm run build:app` runs through the
 * CLI). Vite is a development dependency, so it is imported only when a build is asked for.
 */
export async function buildPlannerApp(options: PlannerBuildOptions = {}): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: PLANNER_APP_VITE_CONFIG,
    logLevel: options.logLevel ?? 'warn',
    build: options.outDir ? { outDir: path.resolve(options.outDir), emptyOutDir: true } : {},
  });
}

export function plannerAppBuilt(distDir: string): boolean {
  return fs.existsSync(path.join(distDir, 'index.html'));
}

/**
 * Builds the app into `distDir` when it holds no build, so a fresh clone's `npm start` serves it.
 * Runs before the server listens (never on a request). A failed build is reported, not fatal:
 * the API and WebSocket do not need the app, and `/` then explains how to build it.
 */
export async function ensurePlannerAppBuilt(distDir: string, report: (line: string) => void): Promise<'present' | 'built' | 'failed'> {
  if (plannerAppBuilt(distDir)) return 'present';
  report('  Building the planner app (first start, a few seconds)…');
  const started = Date.now();
  try {
    await buildPlannerApp({ outDir: distDir });
    report(`  Built the planner app in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 'built';
  } catch (error) {
    report(`  Could not build the planner app (${(error as Error).message.split('\n')[0]}); run \`npm run build:app\`. The API runs without it.`);
    return 'failed';
  }
}
