import fc from 'fast-check';

/**
 * Every property test in the suite replays with `FC_SEED=<n>`: fast-check prints the seed of a
 * failing run in its message (`{ seed: n, path: "…" }`), and this makes that seed the global one for
 * a re-run. Without FC_SEED each run draws its own seed, as fast-check does by default.
 */
const fromEnv = process.env.FC_SEED;
if (fromEnv !== undefined && fromEnv !== '') {
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(fromEnv)}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
