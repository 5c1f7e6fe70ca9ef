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
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidJsonError(
      `${what} is not valid JSON: ${describeSyntaxError(text) ?? (error as Error).message}`,
      {
        hint: 'Quote strings ("text"), and check brackets and commas; nothing was stored.',
      },
    );
  }
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
