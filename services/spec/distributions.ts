import { z } from 'zod';

/** A sampled axis: a distribution a value is drawn from, instead of the list a grid axis gives. */
export type Distribution =
  { uniform: [number, number] } | { loguniform: [number, number] } | { int: [number, number] } | { choice: unknown[] };

export const DISTRIBUTION_KINDS = ['uniform', 'loguniform', 'int', 'choice'] as const;

const finite = () => z.number().refine(Number.isFinite, 'must be a finite number');
const range = z.tuple([finite(), finite()], { error: 'must be [lo, hi]' });

/** The schema of one distribution (exactly one kind). */
export const distributionSchema = z.union([
  z.object({ uniform: range }).strict(),
  z.object({ loguniform: range }).strict(),
  z.object({ int: z.tuple([z.number().int(), z.number().int()], { error: 'must be [lo, hi] integers' }) }).strict(),
  z.object({ choice: z.array(z.unknown()).min(1, 'must list at least one value') }).strict(),
]);

export function isDistribution(v: unknown): v is Distribution {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Problems of a distribution's own shape (bounds in order, log scale positive), one line each. */
export function distributionShapeProblems(at: string, d: Distribution): string[] {
  if ('choice' in d) return [];
  const [kind, [lo, hi]] = Object.entries(d)[0] as [string, [number, number]];
  const out: string[] = [];
  if (!(lo < hi)) out.push(`${at}.${kind}: lo must be below hi, got [${lo}, ${hi}]`);
  if (kind === 'loguniform' && lo <= 0) out.push(`${at}.loguniform: lo must be > 0 on a log scale, got ${lo}`);
  return out;
}

/** The values a parameter's schema must accept for every draw: the bounds, or every choice. */
export function representativeValues(d: Distribution): unknown[] {
  return 'choice' in d ? d.choice : Object.values(d)[0];
}

/** Maps `u` in [0, 1) to a value of the distribution; floats keep 6 significant digits (readable, stable). */
export function drawValue(d: Distribution, u: number): unknown {
  const round = (x: number) => Number(x.toPrecision(6));
  if ('uniform' in d) return round(d.uniform[0] + u * (d.uniform[1] - d.uniform[0]));
  if ('loguniform' in d) {
    const [lo, hi] = d.loguniform.map(Math.log);
    return round(Math.exp(lo + u * (hi - lo)));
  }
  if ('int' in d) return d.int[0] + Math.floor(u * (d.int[1] - d.int[0] + 1));
  return d.choice[Math.floor(u * d.choice.length)];
}
