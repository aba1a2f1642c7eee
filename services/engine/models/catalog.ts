/** The architectures `buildModel` knows and the options each accepts, with their types. Pure data. */
export type ArchName = 'small-cnn' | 'vgg' | 'resnet';

/** One architecture option: an integer in [min, max], or a boolean. */
export type ArchOptionRule = { type: 'int'; min: number; max: number } | { type: 'boolean' };

const int = (min: number, max: number): ArchOptionRule => ({ type: 'int', min, max });
const bool: ArchOptionRule = { type: 'boolean' };

export const ARCH_OPTIONS: Record<ArchName, Readonly<Record<string, ArchOptionRule>>> = {
  'small-cnn': {},
  vgg: { depth: int(1, 8), convsPerStage: int(1, 8), width: int(1, 2048), batchNorm: bool, hidden: int(0, 65_536) },
  resnet: { blocksPerStage: int(1, 32), width: int(1, 2048), batchNorm: bool },
};

export const ARCHITECTURES = Object.keys(ARCH_OPTIONS) as ArchName[];

/**
 * Problems of an architecture's options, one message each (unknown option, wrong type, out of range); empty
 * when they are fine. Checked at launch, so a typo never reaches a worker.
 */
export function archOptionProblems(arch: ArchName, options: Record<string, unknown>): string[] {
  const rules = ARCH_OPTIONS[arch];
  const allowed = Object.keys(rules);
  return Object.entries(options).flatMap(([name, value]) => {
    const rule = rules[name];
    if (!rule) {
      return [
        `arch "${arch}" has no option "${name}"; ${allowed.length ? `allowed: ${allowed.join(', ')}` : 'it takes no options'}`,
      ];
    }
    if (rule.type === 'boolean')
      return typeof value === 'boolean'
        ? []
        : [`archOptions.${name} must be true or false, got ${JSON.stringify(value)}`];
    return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max
      ? []
      : [`archOptions.${name} must be an integer from ${rule.min} to ${rule.max}, got ${JSON.stringify(value)}`];
  });
}
