import { Command, Option } from 'commander';
import type { CliContext } from '../src/cli/context.js';
import { ttlArg } from '../src/cli/flags.js';
import { jsonDocument } from '../src/cli/json-output.js';
import { readInputFile } from '../src/cli/read-input.js';
import { addTierOptions, type TierFlags } from '../src/cli/tier-flags.js';
import { runOperation } from '../src/cli/with-store.js';
import { formatBytes, formatDuration } from '../src/config/units.js';
import { UsageError } from '../src/errors/index.js';
import { parseBatch } from '../src/store/batch-file.js';
import { parseJsonInput } from '../src/store/json-input.js';
import { parseKey } from '../src/store/keys.js';
import { scopeKey } from '../src/namespaces/namespace-policy.js';
import { tierSettings } from '../src/operations/request-tiers.js';
import { setBatchOperation, setDocument, setOperation } from '../src/operations/set-entry.js';
import type { StrategyName } from '../src/tiers/strategy-name.js';
import { COMMAND_BUDGET_MS } from './budgets.js';

// What became of the origin, by strategy.
const ORIGIN_NOTE: Record<StrategyName, string> = {
  'read-through': '',
  'cache-aside': '',
  'write-through': '; the origin has it',
  'write-behind': '; queued for the origin (sent by `pgcache maintain` or `serve`)',
};

const SET = { command: 'set', commandTimeoutMs: COMMAND_BUDGET_MS.set } as const;

interface SetFlags extends TierFlags {
  ttl?: number;
  file?: string;
  batch?: string;
}

/** `pgcache set KEY VALUE|-`, `--file F`, or `--batch FILE.ndjson` (all or nothing). */
export function setCommand(ctx: CliContext): Command {
  return addTierOptions(new Command('set'), { grace: false })
    .description(
      'store a JSON value under KEY (VALUE, "-" for stdin, --file, or --batch FILE.ndjson), as the strategy says',
    )
    .argument('[key]', 'entry key, e.g. component:react:button')
    .argument('[value]', 'the JSON value, or "-" to read it from stdin')
    .option(
      '--ttl <duration>',
      'time to live: 30s, 5m, 2h, 7d, or "never" (default: config defaultTtlMs)',
      ttlArg,
    )
    .option('--file <path>', 'read the JSON value from a file')
    .addOption(
      new Option(
        '--batch <file>',
        'write every {"key","value","ttl"?} line of an NDJSON file, or none',
      ).conflicts(['file', 'ttl']),
    )
    .action(
      async (key: string | undefined, value: string | undefined, _flags: unknown, cmd: Command) => {
        const flags = cmd.optsWithGlobals<SetFlags>();
        if (flags.batch !== undefined) {
          if (key !== undefined)
            throw new UsageError('--batch takes no KEY or VALUE', {
              hint: 'Run `pgcache set --batch FILE.ndjson`.',
            });
          const items = parseBatch(readInputFile(ctx.cwd, flags.batch, '--batch'), flags.batch).map(
            (item) => ({ ...item, key: scopeKey(flags.namespace, item.key) }),
          );
          const result = await runOperation(ctx, flags, SET, setBatchOperation, (config) => ({
            items,
            tiers: tierSettings(config, ctx.env),
          }));
          ctx.stdout.write(
            flags.json === true
              ? jsonDocument({ ...result })
              : `stored ${result.written} entries (${formatBytes(result.bytes)}) from ${flags.batch}\n`,
          );
          return;
        }
        if (key === undefined)
          throw new UsageError('set needs a KEY', {
            hint: 'Run `pgcache set KEY VALUE`, `pgcache set KEY -` or `pgcache set --batch FILE`.',
          });
        const scoped = scopeKey(flags.namespace, key);
        parseKey(scoped);
        const text = await readValueText(ctx, value, flags.file);
        const parsed = parseJsonInput(
          text,
          value === undefined || value === '-' ? (flags.file ?? 'stdin') : 'VALUE',
        );
        const stored = await runOperation(ctx, flags, SET, setOperation, (config) => ({
          key: scoped,
          value: parsed,
          ttlMs: flags.ttl,
          tiers: tierSettings(config, ctx.env),
        }));
        if (flags.json === true) {
          ctx.stdout.write(jsonDocument(setDocument(stored)));
          return;
        }
        const expiry =
          stored.expiresAt === null
            ? 'never expires'
            : `expires in ${formatDuration(Date.parse(stored.expiresAt) - Date.parse(stored.updatedAt))}`;
        ctx.stdout.write(
          `stored ${scoped} (${stored.sizeBytes} bytes, ${expiry})${ORIGIN_NOTE[stored.strategy]}\n`,
        );
      },
    );
}

async function readValueText(
  ctx: CliContext,
  value: string | undefined,
  file: string | undefined,
): Promise<string> {
  if (file !== undefined) {
    if (value !== undefined)
      throw new UsageError('give VALUE or --file, not both', {
        hint: 'Run `pgcache set KEY --file value.json`.',
      });
    return readInputFile(ctx.cwd, file, '--file');
  }
  if (value === undefined)
    throw new UsageError('set needs a VALUE, "-" or --file', {
      hint: `For example: pgcache set KEY '{"a":1}'`,
    });
  return value === '-' ? ctx.readStdin() : value;
}
