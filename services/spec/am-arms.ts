import { SpecError } from '../errors';
import { amSchema, type AmArm, type AmArmField, type AmOptimizer, type AmProtocol, type AmSpec } from './schema';

/** Step size when a spec gives none: the paper's plain ascent takes 0.1; momentum and Adam take smaller steps. */
export const DEFAULT_AM_LEARNING_RATE: Record<AmOptimizer, number> = { ascent: 0.1, momentum: 0.01, adam: 0.05 };

/** More arms than this is almost certainly a mistake (each runs on every trained cell for every slope). */
export const MAX_AM_ARMS = 64;

// Axis order of the product: the first field varies slowest.
const ARM_FIELDS: AmArmField[] = [
  'optimizer',
  'learningRate',
  'steps',
  'normalize',
  'init',
  'initScale',
  'momentum',
  'jitter',
  'blurEvery',
  'blurSigma',
];

/**
 * The complete, readable key of a protocol (stored with every AM row, part of its primary key), e.g.
 * `ascent lr=0.1 steps=200 init=zeros norm=none jitter=0 blur=off`. Blur reads `blur=<every>/<sigma>`.
 */
export function protocolKey(p: AmProtocol): string {
  const optimizer = p.optimizer === 'momentum' ? `momentum(${p.momentum})` : p.optimizer;
  const init = p.init === 'uniform' ? `uniform(${p.initScale})` : 'zeros';
  const blur = p.blurEvery > 0 ? `${p.blurEvery}/${p.blurSigma}` : 'off';
  return `${optimizer} lr=${p.learningRate} steps=${p.steps} init=${init} norm=${p.normalize} jitter=${p.jitter} blur=${blur}`;
}

/**
 * The AM arms of an `am` block: the product of every listed field, in a fixed order, with fields that do not
 * apply dropped and duplicates merged (momentum values under `ascent` are one arm). Throws SpecError when the
 * product exceeds {@link MAX_AM_ARMS}.
 */
export function expandAmArms(spec: AmSpec): AmArm[] {
  // Specs stored by older versions lack newer fields: parsing fills in their defaults.
  const am = amSchema.parse(spec);
  const axes = ARM_FIELDS.map((field) => {
    const v = am[field];
    return (v === undefined ? [undefined] : Array.isArray(v) ? v : [v]) as unknown[];
  });
  const total = axes.reduce((n, values) => n * values.length, 1);
  if (total > MAX_AM_ARMS * 16) {
    throw new SpecError(`am: the listed fields give ${total} AM arms; the limit is ${MAX_AM_ARMS}`, 'am');
  }
  const arms = new Map<string, AmArm>();
  for (let i = 0; i < total; i++) {
    const point: Partial<Record<AmArmField, unknown>> = {};
    let rest = i;
    for (let f = ARM_FIELDS.length - 1; f >= 0; f--) {
      point[ARM_FIELDS[f]] = axes[f][rest % axes[f].length];
      rest = Math.floor(rest / axes[f].length);
    }
    const protocol = toProtocol(point);
    const key = protocolKey(protocol);
    if (!arms.has(key)) arms.set(key, { key, protocol });
  }
  if (arms.size > MAX_AM_ARMS) {
    throw new SpecError(`am: the listed fields give ${arms.size} AM arms; the limit is ${MAX_AM_ARMS}`, 'am');
  }
  return [...arms.values()];
}

function toProtocol(point: Partial<Record<AmArmField, unknown>>): AmProtocol {
  const optimizer = point.optimizer as AmOptimizer;
  const init = point.init as AmProtocol['init'];
  const blurEvery = point.blurEvery as number;
  return {
    optimizer,
    learningRate: (point.learningRate as number | undefined) ?? DEFAULT_AM_LEARNING_RATE[optimizer],
    steps: point.steps as number,
    normalize: point.normalize as AmProtocol['normalize'],
    init,
    ...(init === 'uniform' ? { initScale: point.initScale as number } : {}),
    ...(optimizer === 'momentum' ? { momentum: point.momentum as number } : {}),
    jitter: point.jitter as number,
    blurEvery,
    ...(blurEvery > 0 ? { blurSigma: point.blurSigma as number } : {}),
  };
}

/** The arm of a sweep's spec with this key, or (no key: a run from before arms existed) its only arm. */
export function findAmArm(am: AmSpec, key: string | undefined): AmArm {
  const arms = expandAmArms(am);
  if (key === undefined) {
    if (arms.length !== 1) throw new SpecError(`am: this sweep has ${arms.length} AM arms; name one`, 'am');
    return arms[0];
  }
  const arm = arms.find((a) => a.key === key);
  if (!arm) throw new SpecError(`am: no AM arm "${key}" in this sweep (arms: ${arms.map((a) => a.key).join('; ')})`);
  return arm;
}

/**
 * Short labels for display: the parts of each key that differ between the arms shown together (all of
 * `optimizer lr=…` when there is one arm), in the order of {@link protocolKey}.
 */
export function shortArmLabels(keys: string[]): Map<string, string> {
  const tokens = keys.map((k) => k.split(' '));
  const width = Math.max(0, ...tokens.map((t) => t.length));
  const varying = Array.from({ length: width }, (_, i) => i).filter((i) => tokens.some((t) => t[i] !== tokens[0][i]));
  const shown = varying.length ? varying : [0, 1];
  return new Map(
    keys.map((k, j) => [
      k,
      shown
        .map((i) => tokens[j][i])
        .filter(Boolean)
        .join(' '),
    ]),
  );
}
