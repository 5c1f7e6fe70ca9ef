/**
 * The README's checked examples: a `console` block preceded by a marker comment
 *
 *     <!-- example: SESSION [loose]
 *     $ a hidden setup command
 *     -->
 *
 * Blocks of one session run in order in one scratch directory, shown in the README as
 * /srv/SESSION. Inside a block, `$ ` starts a command and the lines after it, up to the next
 * command, are what it prints (stdout and stderr, as a terminal shows them).
 */

/** One `$ command` of an example and the output the README shows for it. */
export interface ExampleCommand {
  readonly command: string;
  readonly output: string;
}

/** One checked `console` block. */
export interface Example {
  readonly session: string;
  /** Compare with every number masked (for stress runs, whose counts vary from run to run). */
  readonly loose: boolean;
  /** Commands run before the block, their output not shown. */
  readonly setup: readonly string[];
  /** The fenced block before this one (for `@file NAME`, which writes it to NAME). */
  readonly previousCode: string | undefined;
  readonly commands: readonly ExampleCommand[];
  /** The README's 1-based line numbers of the block's first and last content lines. */
  readonly firstLine: number;
  readonly lastLine: number;
}

const MARKER = /^<!-- example: ([a-z0-9-]+)((?: [a-z]+)*)(?: -->)?$/;

/** Every checked example in `readme`, in order. */
export function parseExamples(readme: string): Example[] {
  const lines = readme.split('\n');
  const examples: Example[] = [];
  let previousCode: string | undefined;
  for (let i = 0; i < lines.length; i += 1) {
    const fence = /^ *```\w+$/.exec(lines[i] ?? '');
    if (fence !== null) {
      const start = i + 1;
      while (i + 1 < lines.length && !/^ *```$/.test(lines[i + 1] ?? '')) i += 1;
      previousCode = `${lines.slice(start, i + 1).join('\n')}\n`;
      i += 1;
      continue;
    }
    const marker = MARKER.exec(lines[i] ?? '');
    if (marker === null) continue;
    const setup: string[] = [];
    if (!(lines[i] ?? '').endsWith('-->')) {
      for (i += 1; i < lines.length && lines[i] !== '-->'; i += 1) {
        const line = lines[i] ?? '';
        if (!line.startsWith('$ '))
          throw new Error(`README line ${i + 1}: setup lines start with "$ "`);
        setup.push(line.slice(2));
      }
    }
    i += 1;
    while (lines[i] === '') i += 1;
    if (lines[i] !== '```console')
      throw new Error(`README line ${i + 1}: an example marker must precede a console block`);
    const firstLine = i + 2;
    const body: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== '```'; i += 1) body.push(lines[i] ?? '');
    examples.push({
      session: marker[1] ?? '',
      loose: (marker[2] ?? '').split(' ').includes('loose'),
      setup,
      previousCode,
      commands: splitCommands(body, firstLine),
      firstLine,
      lastLine: firstLine + body.length - 1,
    });
  }
  return examples;
}

function splitCommands(body: readonly string[], firstLine: number): ExampleCommand[] {
  const commands: { command: string; output: string[] }[] = [];
  body.forEach((line, n) => {
    if (line.startsWith('$ ')) commands.push({ command: line.slice(2), output: [] });
    else if (commands.length === 0)
      throw new Error(`README line ${firstLine + n}: a block starts with "$ "`);
    else commands.at(-1)?.output.push(line);
  });
  return commands.map((c) => ({ command: c.command, output: c.output.join('\n') }));
}

/**
 * `readme` with the blocks of `session`, in order, replaced by their commands and the given
 * outputs (one list per block, one string per command); every other line is left alone.
 */
export function rewriteExamples(
  readme: string,
  session: string,
  outputs: readonly (readonly string[])[],
): string {
  const lines = readme.split('\n');
  const examples = parseExamples(readme).filter((e) => e.session === session);
  // From the last block up, so earlier line numbers stay valid.
  for (let n = examples.length - 1; n >= 0; n -= 1) {
    const example = examples[n];
    const actual = outputs[n];
    if (example === undefined || actual === undefined) continue;
    const body = example.commands.flatMap((c, i) => [
      `$ ${c.command}`,
      ...(actual[i] === '' || actual[i] === undefined ? [] : (actual[i] ?? '').split('\n')),
    ]);
    lines.splice(example.firstLine - 1, example.lastLine - example.firstLine + 1, ...body);
  }
  return lines.join('\n');
}

const RULES: readonly (readonly [RegExp, string])[] = [
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>'],
  // Durations measured by the run (ms, s, 1m30s, 2h5m…); a TTL such as 7d or 30m is kept.
  [/\b(\d+d)?(\d+h)?(\d+m)?\d+(\.\d+)?(ns|µs|us|ms|s)\b/g, '<dur>'],
  [/\b(\d+[dhm])+ ago\b/g, '<dur> ago'],
  // An age under a second prints as "now".
  [/\boldest now\b/g, 'oldest <dur> ago'],
  // A rate measured by the run: `(71.43/s)`.
  [/\(\d+(\.\d+)?\/s\)/g, '(<rate>/s)'],
  // How many clients were connected at once depends on when the previous command's closed.
  [/\bpeak \d+ of/g, 'peak <n> of'],
  [/[+−-]?\d+(\.\d+)? (KiB|MiB|GiB|TiB)\b/g, '<size>'],
  // The memory a probe's cycles left, which may be a few bytes up or down.
  [/\bmemory [+−-]?\d+(\.\d+)? B\b/g, 'memory <size>'],
  [/\bpid \d+/g, 'pid <pid>'],
  [/\bNode (v)?\d+\.\d+\.\d+/g, 'Node <version>'],
  [/[─━═]+/g, '─'],
  [/[ \t]+/g, ' '],
  [/ +$/gm, ''],
];

/**
 * What must match between the README and a run: times, durations, sizes on disk, pids and the
 * Node version are masked (they differ every run); so is every number when `loose`, which also
 * drops a stress run's note that its generator stalled and keeps only the first code of a top
 * errors cell (both depend on the machine's load).
 */
export function normalise(text: string, loose: boolean): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  if (loose) {
    // A loaded machine adds a note that the load generator itself stalled: not part of the
    // example.
    out = out
      .replace(/^.*event loop stalled.*\n?/gm, '')
      // Which codes beyond the first turn calls away depends on the load too (a queue wait that
      // times out on a busy machine): a stress table's top-errors cell keeps its first.
      .replace(/(E_[A-Z_]+ \d+)(?:, E_[A-Z_]+ \d+)*(?: \(\+\d+ more\))?/g, '$1')
      .replace(/\d+(\.\d+)?/g, 'N');
  }
  return out.trimEnd();
}
