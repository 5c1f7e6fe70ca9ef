import { describe, expect, it } from 'vitest';
import { parseJsonInput } from '../../src/store/json-input.js';

describe('parseJsonInput', () => {
  it('names the line and column of a syntax error, exit 65', () => {
    expect(() => parseJsonInput('{\n  "a": ,\n}', 'the value')).toThrow(
      expect.objectContaining({
        code: 'E_INVALID_JSON',
        exitCode: 65,
        message: expect.stringMatching(/^the value is not valid JSON: .* at line 2, column 8/),
      }),
    );
  });

  it('refuses a number too large for a double instead of storing null', () => {
    expect(() => parseJsonInput('{"n": [1, 1e999]}', 'the value')).toThrow(
      expect.objectContaining({
        code: 'E_INVALID_JSON',
        message: expect.stringMatching(/^the value holds a number too large/),
      }),
    );
    expect(parseJsonInput('{"n": [1, 1e300]}', 'the value')).toEqual({ n: [1, 1e300] });
  });
});
