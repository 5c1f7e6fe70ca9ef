import { systemClock, type Clock } from '../../src/clock.js';
import { loadConfig, type LoadedConfig } from '../../src/config/load-config.js';
import type { SettingKey } from '../../src/config/settings.js';
import type { CheckOutcome, DoctorReport } from '../../src/doctor/run-doctor.js';
import { DoctorContext, type DoctorDeps } from '../../src/doctor/doctor-context.js';
import { runDoctor, selectChecks } from '../../src/doctor/run-doctor.js';
import type { DoctorThresholds } from '../../src/doctor/thresholds.js';
import type { PgcacheError } from '../../src/errors/index.js';
import { nodeHost, type Host } from '../../src/platform/host.js';
import { openStore } from '../../src/store/open-store.js';

/** Options of {@link runTestDoctor}. */
export interface TestDoctorOptions {
  /** Check ids to run. @default every check */
  readonly checks?: string[];
  readonly settings?: Partial<Record<SettingKey, string | number>>;
  /** A configuration (or its loading error) instead of one built from `settings`. */
  readonly config?: LoadedConfig | PgcacheError;
  readonly thresholds?: Partial<DoctorThresholds>;
  readonly fix?: boolean;
  readonly migrate?: boolean;
  readonly host?: Host;
  readonly clock?: Clock;
  readonly openStore?: DoctorDeps['openStore'];
  readonly packageVersion?: DoctorDeps['packageVersion'];
}

/** A doctor run's report, with `check(id)` to pick one outcome. */
export interface TestDoctorRun {
  readonly report: DoctorReport;
  check(id: string): CheckOutcome;
}

/** Run the doctor core on a data directory (or any settings), the way the command does. */
export async function runTestDoctor(
  dataDir: string | undefined,
  options: TestDoctorOptions = {},
): Promise<TestDoctorRun> {
  const config =
    options.config ??
    loadConfig({
      cwd: '/',
      overrides: { ...(dataDir === undefined ? {} : { dataDir }), ...options.settings },
      readConfigFile: false,
      commandTimeoutMs: 120_000,
    });
  const ctx = new DoctorContext(
    { fix: options.fix, migrate: options.migrate, thresholds: options.thresholds },
    {
      config,
      openStore: options.openStore ?? openStore,
      host: options.host ?? nodeHost,
      clock: options.clock ?? systemClock,
      cwd: '/srv/app',
      ...(options.packageVersion === undefined ? {} : { packageVersion: options.packageVersion }),
    },
  );
  const report = await runDoctor(ctx, { checks: selectChecks(options.checks ?? []) });
  return {
    report,
    check(id) {
      const outcome = report.checks.find((c) => c.id === id);
      if (outcome === undefined) throw new Error(`check ${id} did not run`);
      return outcome;
    },
  };
}
