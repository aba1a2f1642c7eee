import { SpecError } from '../errors';

/** At most this many problem lines in one error: a grid of 100,000 cells can repeat one mistake that often. */
const MAX_LINES = 20;

/**
 * Collects every problem of a spec, like a compiler, so one run of `sweep plan` or `start` shows them all:
 * one line each, naming the field, the rule and the value.
 */
export class SpecProblems {
  private readonly lines: { path: string; message: string }[] = [];
  private readonly seen = new Set<string>();

  add(path: string, message: string): void {
    if (this.seen.has(message)) return;
    this.seen.add(message);
    this.lines.push({ path, message });
  }

  /** Runs `fn`, recording a SpecError it throws instead of letting it escape. */
  collect<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof SpecError)) throw err;
      for (const p of err.problems) this.add(p.path, p.message);
      return undefined;
    }
  }

  get count(): number {
    return this.lines.length;
  }

  /** Throws one SpecError listing every problem (nothing when there is none). */
  throwIfAny(): void {
    if (this.lines.length === 0) return;
    if (this.lines.length === 1) throw new SpecError(this.lines[0].message, this.lines[0].path);
    const shown = this.lines.slice(0, MAX_LINES).map((l) => `  ${l.message.replace(/^invalid spec: /, '')}`);
    const more = this.lines.length > MAX_LINES ? [`  … and ${this.lines.length - MAX_LINES} more`] : [];
    throw new SpecError(
      [`invalid spec: ${this.lines.length} problems`, ...shown, ...more].join('\n'),
      this.lines[0].path,
      this.lines,
    );
  }
}
