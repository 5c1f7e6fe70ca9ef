import { UsageError } from '../errors/index.js';

/**
 * Reads the input of an operation that came over the control socket: each accessor checks one
 * field's type and names it when it is wrong (a usage error: the sender is a pgcache process of
 * another version, or a bug).
 */
export class InputReader {
  readonly #fields: Readonly<Record<string, unknown>>;
  readonly #operation: string;

  constructor(operation: string, raw: unknown) {
    this.#operation = operation;
    if (raw === undefined || raw === null) raw = {};
    if (typeof raw !== 'object' || Array.isArray(raw)) throw this.#error('the input', 'an object');
    this.#fields = raw as Record<string, unknown>;
  }

  /** Any JSON value (a stored value). */
  value(name: string): unknown {
    return this.#fields[name];
  }

  string(name: string): string {
    const v = this.#fields[name];
    if (typeof v !== 'string') throw this.#error(name, 'a string');
    return v;
  }

  /** One of `values`. */
  oneOf<T extends string>(name: string, values: readonly T[]): T {
    const v = this.#fields[name];
    if (!(values as readonly unknown[]).includes(v)) throw this.#error(name, values.join(', '));
    return v as T;
  }

  optionalString(name: string): string | undefined {
    return this.#fields[name] === undefined ? undefined : this.string(name);
  }

  optionalNumber(name: string): number | undefined {
    const v = this.#fields[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw this.#error(name, 'a number');
    return v;
  }

  boolean(name: string): boolean {
    const v = this.#fields[name];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') throw this.#error(name, 'true or false');
    return v;
  }

  /** A list, each item read by its own reader. */
  list(name: string): InputReader[] {
    const v = this.#fields[name];
    if (!Array.isArray(v)) throw this.#error(name, 'a list');
    return v.map((item, i) => new InputReader(`${this.#operation}.${name}[${i}]`, item));
  }

  strings(name: string): string[] {
    const v = this.#fields[name];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
      throw this.#error(name, 'a list of strings');
    }
    return v as string[];
  }

  /** An object field, read by its own reader. */
  object(name: string): InputReader {
    return new InputReader(`${this.#operation}.${name}`, this.#fields[name] ?? {});
  }

  /** The raw object (for a field checked by its own parser). */
  get raw(): Readonly<Record<string, unknown>> {
    return this.#fields;
  }

  #error(field: string, expected: string): UsageError {
    return new UsageError(`${this.#operation}: ${field} must be ${expected}`, {
      hint: 'Use the same pgcache version for the owner of the store and for this command.',
    });
  }
}
