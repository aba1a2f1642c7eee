/** Seeded randomness for generated data, identical for a seed on every machine and run. */
import { Rng } from '../rng';

/** Folds any safe integer (negative or above 2^32 included) into a 32-bit seed. */
export function seed32(seed: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x1_0000_0000) >>> 0;
  return (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
}

/** Uniform floats in [0, 1) from the engine's seeded generator. */
export function uniform(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** Standard normal draw (Box-Muller); `1 - u` keeps the log argument in (0, 1]. */
export function gaussian(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
