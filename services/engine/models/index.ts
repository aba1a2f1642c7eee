import { type tf } from '../tf';
import { SpecError } from '../../errors';
import type { ModelOptions } from './common';
import { buildSmallCnn } from './small-cnn';
import { buildVgg, type VggOptions } from './vgg';
import { buildResNet, type ResNetOptions } from './resnet';

export type { ModelOptions } from './common';
export type { VggOptions } from './vgg';
export type { ResNetOptions } from './resnet';

import { ARCH_OPTIONS, ARCHITECTURES, archOptionProblems, type ArchName } from './catalog';

export { ARCH_OPTIONS, ARCHITECTURES, archOptionProblems, type ArchName, type ArchOptionRule } from './catalog';

export type BuildModelOptions = ModelOptions & VggOptions & ResNetOptions & Record<string, unknown>;

/**
 * Builds an untrained model that outputs **logits** (no softmax), so AM units are class logits.
 * Same arch, options and seed ⇒ the same initial weights. Throws SpecError for unknown arch or options.
 */
export function buildModel(arch: string, opts: BuildModelOptions): tf.LayersModel {
  if (!(arch in ARCH_OPTIONS)) {
    throw new SpecError(`unknown arch "${arch}"; known: ${ARCHITECTURES.join(', ')}`, 'arch');
  }
  const { inputShape: _i, classes: _c, activation: _a, seed: _s, ...archOptions } = opts;
  const defined = Object.fromEntries(Object.entries(archOptions).filter(([, v]) => v !== undefined));
  const problems = archOptionProblems(arch as ArchName, defined);
  if (problems.length) throw new SpecError(problems.join('; '), 'archOptions');
  switch (arch as ArchName) {
    case 'small-cnn':
      return buildSmallCnn(opts);
    case 'vgg':
      return buildVgg(opts);
    case 'resnet':
      return buildResNet(opts);
  }
}
