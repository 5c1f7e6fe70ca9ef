import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidTargetsError } from '../../errors/index.js';
import { scenarioMetrics } from '../scenarios/index.js';
import { parseTargets, type TargetSet } from './targets.js';

/** The target profiles pgcache ships: the seeds' documented targets, and its own higher bar. */
export const PROFILES = ['seed', 'strict'] as const;

/** One of {@link PROFILES}. */
export type ProfileName = (typeof PROFILES)[number];

// fixtures/targets sits at the package root: two levels above src/stress, three above dist/src/stress.
const CANDIDATES = ['../../fixtures/targets/', '../../../fixtures/targets/'];

/** The file a shipped profile is read from. */
export function profilePath(name: ProfileName): string {
  for (const dir of CANDIDATES) {
    const path = fileURLToPath(new URL(`${dir}${name}.json`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new InvalidTargetsError(`the ${name} profile is missing from this installation`, {
    hint: 'Reinstall pgcache (fixtures/targets is part of the package), or pass --targets FILE.',
  });
}

/** Read and check a shipped profile. */
export function loadProfile(name: ProfileName): TargetSet {
  const path = profilePath(name);
  return parseTargets(readFileSync(path, 'utf8'), {
    origin: `${name} profile`,
    profile: name,
    scenarios: scenarioMetrics(),
  });
}

/** Read and check a user's targets file (`--targets FILE`); its source defaults to the file name. */
export function parseTargetsFile(text: string, file: string): TargetSet {
  return parseTargets(text, {
    origin: file,
    profile: `custom (${file})`,
    scenarios: scenarioMetrics(),
  });
}
