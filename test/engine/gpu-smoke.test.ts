import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, initBackend, buildModel, trainModel } from '../../services/engine';
import { gpuVisibility, loadedNative, nativeStatus } from '../../services/engine/native';
import { nativeSmokeCheck, SMOKE_TOLERANCE } from '../../services/engine/native/smoke';
import { tinyDataset } from '../helpers/tiny-dataset';
import { tinyAm } from '../helpers/tiny-models';

/**
 * The GPU smoke test: runs wherever a GPU is visible (and then requires a GPU backend: `proxysweep setup native
 * --gpu`, or the stock @tensorflow/tfjs-node-gpu), and says plainly that it was skipped where none is. Alone:
 * `npm run test:gpu`. What it checks: libtensorflow uses the GPU device, a conv with ProxyGrad's gradient matches
 * the cpu backend within the TF32 bound, the benchmark CNN trains (loss falls) and batched AM climbs.
 */
const gpu = gpuVisibility();
if (!gpu.visible) console.log(`GPU smoke test skipped: no GPU visible here (${gpu.why})`);

test('GPU smoke test', { skip: gpu.visible ? false : `no GPU visible here (${gpu.why})` }, async (t) => {
  let info;
  try {
    info = await initBackend('tensorflow-gpu');
  } catch (err) {
    assert.fail(
      `a GPU is visible (${gpu.why}) but no GPU backend works: ${(err as Error).message}; native status: ${nativeStatus().summary}`,
    );
  }
  assert.equal(info.name, 'tensorflow-gpu');
  t.diagnostic(`libtensorflow ${loadedNative()?.tfVersion} (${loadedNative()?.source}), ${info.notes.join('; ')}`);

  const report = await nativeSmokeCheck();
  assert.ok(report.gpuDevice, 'libtensorflow placed ops on the GPU');
  const worst = Math.max(report.maxDiff.value, report.maxDiff.dx, report.maxDiff.dw);
  assert.ok(worst <= SMOKE_TOLERANCE.gpu, `GPU vs cpu backend: ${worst} (relative)`);
  t.diagnostic(`conv/gradients vs cpu backend: ${JSON.stringify(report.maxDiff)}`);

  const model = buildModel('small-cnn', {
    inputShape: [8, 8, 1],
    classes: 4,
    activation: { mode: 'proxy', backwardSlope: 0.3 },
    seed: 5,
  });
  const { epochs } = await trainModel(model, tinyDataset(1), {
    epochs: 3,
    batchSize: 16,
    learningRate: 0.01,
    optimizer: 'adam',
    seed: 1,
  });
  assert.ok(epochs[2].trainLoss < epochs[0].trainLoss, `loss ${epochs.map((e) => e.trainLoss).join(' → ')}`);
  t.diagnostic(`training on ${tf.getBackend()} (GPU): ${Math.round(epochs[2].imagesPerSec)} images/s on the tiny set`);

  const am = await tinyAm(model, 20);
  for (const r of am) assert.ok(r.value > r.trace[0], 'AM climbed');
});
