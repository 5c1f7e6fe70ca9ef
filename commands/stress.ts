import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { durationArg, integerArg } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { renderJunit, renderMarkdown } from '../src/cli/render/stress-files.js';
import { renderStressReport } from '../src/cli/render/stress-report.js';
import { renderTable } from '../src/cli/render/table.js';
import {
  distributionArg,
  percentArg,
  rateArg,
  sizeRangeArg,
  type StressFlags,
} from '../src/cli/stress-flags.js';
import { loadMode } from '../src/cli/stress-load.js';
import { budgetExceeded, resolveTargets, runStressSession } from '../src/cli/stress-session.js';
import { commandConfig } from '../src/cli/with-store.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { assertValidConfig } from '../src/config/load-config.js';
import { ExitCode, UsageError } from '../src/errors/index.js';
import { PROFILES } from '../src/stress/profiles.js';
import type { StressReport } from '../src/stress/report.js';
import { SCENARIOS } from '../src/stress/scenarios/index.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

/** `pgcache stress`: run the documented scenarios, judge them against their targets, gate on it. */
export function stressCommand(ctx: CliContext): Command {
  return new Command('stress')
    .description(
      'run the stress scenarios against the store and judge each against its documented target (exit 1 when one is missed)',
    )
    .option('--list', 'list the scenarios: id, what each does, where it comes from')
    .addOption(
      new Option('--profile <name>', 'targets to judge by (default seed)').choices(PROFILES),
    )
    .option('--targets <file>', 'your own targets file (JSON) instead of a profile')
    .option('--scenario <id...>', 'run only these scenarios')
    .option(
      '--concurrency <n>',
      'callers at once (closed model), or most in flight with --rate',
      integerArg(1, 100_000),
    )
    .option('--rate <n/s>', 'open model: start operations on a fixed schedule, e.g. 500/s', rateArg)
    .option('--duration <duration>', 'length of each load scenario, e.g. 30s', durationArg)
    .option('--ops <n>', 'measured operations per load scenario', integerArg(1, 100_000_000))
    .option('--warmup <duration>', 'load before measuring, excluded from the figures', durationArg)
    .option(
      '--seed <n>',
      'repeat a run exactly (keys, values, mix, kill moments)',
      integerArg(0, 2 ** 32 - 1),
    )
    .option('--distribution <kind>', 'key choice: uniform or zipf', distributionArg)
    .option('--reads <percent>', 'share of reads in mixed workloads, e.g. 80%', percentArg)
    .option('--keys <n>', 'distinct keys per workload', integerArg(1, 10_000_000))
    .option('--value-size <range>', 'value sizes, e.g. 64B-4KB', sizeRangeArg)
    .option('--rounds <n>', 'rounds of the crash scenario (default 5)', integerArg(1, 1000))
    .option(
      '--bail <n>',
      'stop a scenario after N failed operations (default: once over half of 1,000+ failed)',
      integerArg(1, 100_000_000),
    )
    .option('--keep', 'keep the keys the run wrote (they expire after 1h)')
    .option(
      '--processes <n>',
      'run the load from N child processes, through `pgcache serve` (started for the run) or on the --database-url server',
      integerArg(1, 64),
    )
    .option(
      '--http',
      "send the load to serve's HTTP API with autocannon (serve started for the run)",
    )
    .option('--junit <file>', 'also write JUnit XML (one test case per target)')
    .option('--markdown <file>', 'also write a Markdown summary (for a CI job page)')
    .option('--quiet', 'no progress on stderr')
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<StressFlags>();
      loadMode(flags); // combinations that make no sense: exit 2 before anything starts
      if (flags.list === true) {
        ctx.stdout.write(renderList(flags.json === true, terminalFeatures(ctx.stdout, ctx.env)));
        return;
      }
      const targets = resolveTargets(ctx, flags);
      const config = assertValidConfig(commandConfig(ctx, flags, COMMAND_BUDGET_MS.stress));
      const report = await runStressSession(ctx, flags, targets, config);
      writeReportFiles(ctx, flags, report);
      ctx.stdout.write(
        flags.json === true
          ? jsonDocument({ ...report })
          : renderStressReport(report, terminalFeatures(ctx.stdout, ctx.env)),
      );
      if (report.aborted && !ctx.signal.aborted) throw budgetExceeded(config);
      if (report.verdict === 'fail') ctx.exitCode = ExitCode.No;
    });
}

/** `stress --list`: every scenario with what it does and where it comes from. */
export function renderList(json: boolean, term: ReturnType<typeof terminalFeatures>): string {
  const scenarios = SCENARIOS.map(({ id, description, source }) => ({ id, description, source }));
  if (json) return jsonDocument({ scenarios });
  return renderTable(
    ['id', 'description', 'source'],
    scenarios.map((s) => [s.id, s.description, s.source]),
    term,
  );
}

function writeReportFiles(ctx: CliContext, flags: StressFlags, report: StressReport): void {
  const write = (flag: string, file: string | undefined, text: () => string): void => {
    if (file === undefined) return;
    try {
      writeFileSync(resolve(ctx.cwd, file), text());
    } catch (error) {
      throw new UsageError(`${flag} ${file}: cannot write it: ${(error as Error).message}`, {
        hint: 'Point it at a writable path; the run itself is over.',
      });
    }
  };
  write('--junit', flags.junit, () => renderJunit(report));
  write('--markdown', flags.markdown, () => renderMarkdown(report));
}
