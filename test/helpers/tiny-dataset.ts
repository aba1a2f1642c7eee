import { tf, Rng, type Dataset } from '../../services/engine';

/**
 * A tiny learnable dataset built in the test itself: class k lights up quadrant k of an 8×8 image, plus noise.
 */
export function tinyDataset(seed = 1, trainSize = 96, testSize = 32): Dataset {
  const [h, w, c, classes] = [8, 8, 1, 4];
  const rng = new Rng(seed);
  const make = (n: number) => {
    const x = new Float32Array(n * h * w * c);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = i % classes;
      y[i] = k;
      for (let r = 0; r < h; r++) {
        for (let col = 0; col < w; col++) {
          const inQuadrant = (r < h / 2 ? 0 : 2) + (col < w / 2 ? 0 : 1) === k;
          x[i * h * w + r * w + col] = (inQuadrant ? 0.8 : -0.8) + (rng.next() - 0.5) * 0.4;
        }
      }
    }
    return { x: tf.tensor4d(x, [n, h, w, c]), y: tf.tensor1d(y, 'int32') };
  };
  return { name: 'tiny', inputShape: [h, w, c], classes, train: make(trainSize), test: make(testSize) };
}
