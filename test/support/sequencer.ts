import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

/**
 * Vitest's order, except that the README's example files start first: each is a few lines that
 * run for a minute, and vitest, without timings from an earlier run (a clean clone, CI), starts
 * the largest files first, which would leave them for the end of the run.
 */
export default class ReadmeFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const first = (spec: TestSpecification): number =>
      /test\/readme\/readme-\w+\.test\.ts$/.test(spec.moduleId) ? 0 : 1;
    return sorted.sort((a, b) => first(a) - first(b));
  }
}
