import { parseNamespacePolicies, type NamespacePolicies } from '../namespaces/namespace-policy.js';
import { checkOriginTemplate } from '../tiers/origin-url.js';
import { isStrategyName, STRATEGY_NAMES, type StrategyName } from '../tiers/strategy-name.js';
import { parseHeaderTemplates, type HeaderTemplates } from './headers.js';
import type { ConfigProblem, SettingValue } from './load-config.js';
import type { SettingKey, SettingKind } from './settings.js';

/** The tiers' and namespaces' part of the resolved configuration. */
export interface TierConfig {
  /** The origin (L3); `url` undefined when none is configured. */
  readonly origin: {
    readonly url: string | undefined;
    readonly timeoutMs: number;
    readonly softTimeoutMs: number;
    /** Header templates; `${NAME}` is expanded from the environment only when a request is made. */
    readonly headers: HeaderTemplates;
  };
  readonly strategy: StrategyName;
  /** How long an expired entry may still be served while the origin fails (and is kept by maintain). */
  readonly graceMs: number;
  /** The in-process memory tier (L1). */
  readonly memory: { readonly maxBytes: number; readonly ttlMs: number };
  readonly namespaces: NamespacePolicies;
}

/** Defaults of the tier settings. */
export const TIER_DEFAULTS: Partial<Record<SettingKey, SettingValue>> = {
  'origin.timeoutMs': 5000,
  'origin.softTimeoutMs': 1000,
  'origin.headers': {},
  strategy: 'read-through',
  grace: 0,
  'memory.maxBytes': 64 * 1024 * 1024,
  'memory.ttlMs': 30_000,
  namespaces: {},
};

/** Kinds whose value is an object of its own, kept whole in the config file (not flattened). */
export const MAP_KINDS: ReadonlySet<SettingKind> = new Set(['headers', 'namespaces']);

/** Build the tier part of the configuration from resolved values. */
export function readTierConfig(
  value: <T extends SettingValue | undefined>(key: SettingKey) => T,
): TierConfig {
  return {
    origin: {
      url: value<string | undefined>('origin.url'),
      timeoutMs: value('origin.timeoutMs'),
      softTimeoutMs: value('origin.softTimeoutMs'),
      headers: value<HeaderTemplates>('origin.headers'),
    },
    strategy: value<StrategyName>('strategy'),
    graceMs: value('grace'),
    memory: { maxBytes: value('memory.maxBytes'), ttlMs: value('memory.ttlMs') },
    namespaces: value<NamespacePolicies>('namespaces'),
  };
}

/**
 * Read a raw value of a tier kind (`headers`, `namespaces`, `strategy`, `origin-url`); undefined
 * for other kinds. Throws a `RangeError` saying what is wrong.
 */
export function parseTierKind(kind: SettingKind, raw: unknown): SettingValue | undefined {
  switch (kind) {
    case 'headers':
      return parseHeaderTemplates(raw);
    case 'namespaces':
      return parseNamespacePolicies(raw);
    case 'strategy':
      if (!isStrategyName(raw))
        throw new RangeError(
          `${JSON.stringify(raw)} is not a strategy; use ${STRATEGY_NAMES.join(', ')}`,
        );
      return raw;
    case 'origin-url':
      if (typeof raw !== 'string')
        throw new TypeError(`expected a URL, got ${JSON.stringify(raw)}`);
      return checkOriginTemplate(raw);
    default:
      return undefined;
  }
}

/** Rules between tier settings that a loaded configuration breaks. */
export function tierProblems(
  config: TierConfig,
  show: (key: SettingKey, value: number) => string,
): ConfigProblem[] {
  const { origin } = config;
  if (origin.softTimeoutMs === 0 || origin.softTimeoutMs < origin.timeoutMs) return [];
  return [
    {
      message: `${show('origin.softTimeoutMs', origin.softTimeoutMs)} must be shorter than ${show('origin.timeoutMs', origin.timeoutMs)}`,
      hint: 'Lower origin.softTimeoutMs (or set it to 0), or raise origin.timeoutMs.',
    },
  ];
}
