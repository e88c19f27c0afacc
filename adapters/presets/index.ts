import { readFileSync, readdirSync } from 'node:fs';
import { AdapterError } from '../core/errors.ts';
import { Preset } from './schema.ts';

export { Preset } from './schema.ts';
export { changesFromCsvRow, changesFromTrigger, checkCsvHeader, columnKey, findTrigger, presetColumnNames, type EngineOptions } from './engine.ts';

const DIR = new URL('./', import.meta.url);

/** Validates one preset file's JSON; throws an Error listing every problem with its path. */
export function parsePreset(json: unknown, file = 'preset'): Preset {
  const parsed = Preset.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

let cache: Map<string, Preset> | undefined;

/** Every preset in adapters/presets/*.json, by system id, read and validated once. Throws on an invalid file. */
export function allPresets(): ReadonlyMap<string, Preset> {
  if (!cache) {
    const next = new Map<string, Preset>();
    for (const name of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
      const preset = parsePreset(JSON.parse(readFileSync(new URL(name, DIR), 'utf8')), name);
      if (`${preset.system}.json` !== name) throw new Error(`${name}: system ${preset.system} must match the file name`);
      next.set(preset.system, preset);
    }
    cache = next;
  }
  return cache;
}

/** The preset a connection names; AdapterError `invalid_config` listing the known ones otherwise. */
export function presetFor(system: string): Preset {
  const preset = allPresets().get(system);
  if (!preset) throw new AdapterError('invalid_config', `no preset ${JSON.stringify(system)}; known: ${[...allPresets().keys()].join(', ')}`, { issues: [{ path: 'configuration.preset', message: `no preset ${JSON.stringify(system)}` }] });
  return preset;
}
