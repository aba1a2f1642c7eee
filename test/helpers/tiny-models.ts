import { buildModel, maximizeActivations, type tf } from '../../services/engine';

/** A small VGG with batch norm and ProxyGrad (backward slope 0.5) for the 8×8×1, 4-class tiny dataset. */
export function tinyVgg(): tf.LayersModel {
  return buildModel('vgg', {
    inputShape: [8, 8, 1],
    classes: 4,
    activation: { mode: 'proxy', backwardSlope: 0.5 },
    seed: 9,
    depth: 2,
    convsPerStage: 1,
    width: 4,
    batchNorm: true,
  });
}

/** Batched AM over the tiny dataset's 4 class logits (backward slope 0.3, seeded uniform start). */
export function tinyAm(model: tf.LayersModel, steps: number) {
  return maximizeActivations(model, {
    units: [0, 1, 2, 3],
    steps,
    learningRate: 0.05,
    seed: 4,
    init: 'uniform',
    backwardSlope: 0.3,
  });
}
