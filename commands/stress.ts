import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { durationArg, integerArg } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { readInputFile } from '../src/cli/read-input.js';
import { StressProgress } from '../src/cli/render/stress-progress.js';
import { renderStressReport } from '../src/cli/render/stress-report.js';
import { renderTable } from '../src/cli/render/table.js';
import {
  distributionArg,
  loadMode,
  percentArg,
  rateArg,
  resolveTargets,
  sizeRangeArg,
  stressOptions,
  type StressFlags,
} from '../src/cli/stress-flags.js';
import { terminalFeatures } from '../src/cli/terminal.js';
import { commandConfig, warn } from '../src/cli/with-store.js';
import { assertValidConfig } from '../src/config/load-config.js';
import { ExitCode, UsageError } from '../src/errors/index.js';
import { nodeStressLauncher } from '../src/platform/stress-launcher.js';
import { PROFILES } from '../src/stress/judging/profiles.js';
import { planStress } from '../src/stress/plan.js';
import type { StressReport } from '../src/stress/report.js';
import { parseBaseline, type BaselineReport } from '../src/stress/reports/baseline.js';
import { REPORT_FORMATS } from '../src/stress/reports/index.js';
import { SCENARIOS } from '../src/stress/scenarios/index.js';
import { budgetExceeded, runStressSession } from '../src/stress/stress-session.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

/** `pgcache stress`: run the documented scenarios, judge them against their targets, gate on it. */
export function stressCommand(ctx: CliContext): Command {
  const command = new Command('stress')
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
    );
  for (const format of REPORT_FORMATS) {
    command.option(`--${format.flag} <file>`, format.description);
  }
  return command
    .option('--baseline <file>', 'compare with a previous `stress --json` document in --report')
    .option('--quiet', 'no progress on stderr')
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<StressFlags>();
      const load = loadMode(flags); // combinations that make no sense: exit 2 before anything starts
      if (flags.list === true) {
        ctx.stdout.write(renderList(flags.json === true, terminalFeatures(ctx.stdout, ctx.env)));
        return;
      }
      const targets = resolveTargets(ctx, flags);
      const baseline = readBaseline(ctx, flags);
      const config = assertValidConfig(commandConfig(ctx, flags, COMMAND_BUDGET_MS.stress));
      const plan = planStress({ targets, only: flags.scenario, load }, { config, host: ctx.host });
      const term = terminalFeatures(ctx.stderr, ctx.env);
      const progress = new StressProgress(ctx.stderr, term, { redraw: flags.json !== true });
      const report = await runStressSession(
        plan,
        stressOptions(flags, ctx, term.interactive ? 1000 : 5000),
        {
          config,
          launcher: nodeStressLauncher({ env: ctx.env, cwd: ctx.cwd }),
          openStore: ctx.openStore,
          clock: ctx.clock,
          host: ctx.host,
          signal: ctx.signal,
          onWarning: (message) => warn(ctx, message),
          onEvent: flags.quiet === true ? undefined : (event) => progress.onEvent(event),
          serveSettings: {
            configFile: flags.config,
            operationTimeoutMs: flags.operationTimeout,
            queueWaitTimeoutMs: flags.queueWaitTimeout,
          },
        },
      );
      writeReportFiles(ctx, flags, report, baseline);
      ctx.stdout.write(
        flags.json === true
          ? jsonDocument({ ...report })
          : renderStressReport(report, terminalFeatures(ctx.stdout, ctx.env)),
      );
      // A Ctrl-C is answered as an interruption (exit 130) by the CLI; the budget is ours to name.
      if (report.interrupted?.by === 'timeout') throw budgetExceeded(config);
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

// Read before the run, so that a bad file costs nothing.
function readBaseline(ctx: CliContext, flags: StressFlags): BaselineReport | undefined {
  if (flags.baseline === undefined) return undefined;
  if (reportFile(flags, 'report') === undefined) {
    throw new UsageError('--baseline needs --report FILE', {
      hint: 'The comparison with the baseline is a section of the HTML report: add --report report.html.',
    });
  }
  return parseBaseline(readInputFile(ctx.cwd, flags.baseline, '--baseline'), flags.baseline);
}

const reportFile = (flags: StressFlags, flag: string): string | undefined => {
  const value = (flags as Record<string, unknown>)[flag];
  return typeof value === 'string' ? value : undefined;
};

function writeReportFiles(
  ctx: CliContext,
  flags: StressFlags,
  report: StressReport,
  baseline: BaselineReport | undefined,
): void {
  for (const format of REPORT_FORMATS) {
    const file = reportFile(flags, format.flag);
    if (file === undefined) continue;
    const text = format.render(report, { baseline });
    try {
      writeFileSync(resolve(ctx.cwd, file), text);
    } catch (error) {
      throw new UsageError(
        `--${format.flag} ${file}: cannot write it: ${(error as Error).message}`,
        {
          hint: 'Point it at a writable path; the run itself is over.',
        },
      );
    }
  }
}
