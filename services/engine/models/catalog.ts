/** The architectures `buildModel` knows and the options each accepts (unknown keys are rejected). Pure data. */
export type ArchName = 'small-cnn' | 'vgg' | 'resnet';

export const ARCH_OPTIONS: Record<ArchName, readonly string[]> = {
  'small-cnn': [],
  vgg: ['depth', 'convsPerStage', 'width', 'batchNorm', 'hidden'],
  resnet: ['blocksPerStage', 'width', 'batchNorm'],
};

export const ARCHITECTURES = Object.keys(ARCH_OPTIONS) as ArchName[];
