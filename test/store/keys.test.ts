import { describe, expect, it } from 'vitest';
import { parseKey } from '../../src/store/keys.js';

describe('parseKey', () => {
  it('reads components, blocks, namespaced and bare keys', () => {
    expect(parseKey('component:react:button')).toEqual({
      key: 'component:react:button',
      kind: 'component',
      namespace: 'component',
      framework: 'react',
      name: 'button',
    });
    expect(parseKey('block:vue:dashboard-01')).toMatchObject({
      kind: 'block',
      framework: 'vue',
      name: 'dashboard-01',
    });
    expect(parseKey('metadata:github_rate_limit')).toMatchObject({
      kind: 'generic',
      namespace: 'metadata',
      framework: null,
      name: 'github_rate_limit',
    });
    expect(parseKey('user:42:profile')).toMatchObject({
      kind: 'generic',
      namespace: 'user',
      name: '42:profile',
    });
    expect(parseKey('plain-key')).toMatchObject({
      kind: 'generic',
      namespace: null,
      name: 'plain-key',
    });
    expect(parseKey('ключ:значение')).toMatchObject({ namespace: 'ключ' });
  });

  it.each([
    ['', /it is empty/],
    ['a b', /contains " " at position 1/],
    ['tab\there', /contains/],
    ['x'.repeat(513), /longer than 512 bytes/],
    ['component:react', /component:<framework>:<name>/],
    ['component:react:button:extra', /component:<framework>:<name>/],
    ['block::name', /block:<framework>:<name>/],
    [':rest', /starts with ":"/],
    ['ns:', /nothing follows the namespace/],
  ])('refuses %j as a usage error', (key, message) => {
    expect(() => parseKey(key)).toThrow(
      expect.objectContaining({
        code: 'E_INVALID_KEY',
        exitCode: 2,
        message: expect.stringMatching(message),
      }),
    );
  });
});
