import { parse as scanJson, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { InvalidJsonError } from '../errors/index.js';

const STRICT = {
  disallowComments: true,
  allowTrailingComma: false,
  allowEmptyContent: false,
} as const;

/**
 * Parse JSON text given by a user. On a syntax error the message names the line, column and
 * offset of the first problem (V8's own messages often omit it), and the error is exit 65.
 */
export function parseJsonInput(text: string, what: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, refuseHugeNumbers) as unknown;
  } catch (error) {
    if (error instanceof InvalidJsonError) {
      throw new InvalidJsonError(`${what} ${error.message}`, { hint: error.hint });
    }
    throw new InvalidJsonError(
      `${what} is not valid JSON: ${describeSyntaxError(text) ?? (error as Error).message}`,
      {
        hint: 'Quote strings ("text"), and check brackets and commas; nothing was stored.',
      },
    );
  }
  return parsed;
}

// A number past a double's range parses to Infinity, which JSON then writes as null: refuse it
// rather than store something else than what was given.
function refuseHugeNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new InvalidJsonError('holds a number too large to store (it would become null)', {
      hint: 'Write very large numbers as strings ("1e999"); nothing was stored.',
    });
  }
  return value;
}

/** `expected a value at line 1, column 7 (offset 6)`, or undefined when no problem is found. */
export function describeSyntaxError(text: string): string | undefined {
  const errors: ParseError[] = [];
  scanJson(text, errors, STRICT);
  const first = errors[0];
  if (first === undefined) return undefined;
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = first.offset - before.lastIndexOf('\n');
  const what = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return `${what} at line ${line}, column ${column} (offset ${first.offset})`;
}
