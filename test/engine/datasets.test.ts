import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { tf } from '../../services/engine/tf';
import { DatasetError } from '../../services/errors';
import {
  disposeDataset,
  fetchDataset,
  listDatasets,
  loadDataset,
  verifySha256,
  type Dataset,
} from '../../services/engine/datasets';
import { interleave, trainCount } from '../../services/engine/datasets/digits';
import { SOURCES, type DownloadSource } from '../../services/engine/datasets/sources';
import { TEST_LABELS, TRAIN_LABELS, idxImages, idxLabels, idxPixel, writeIdxDataset } from '../helpers/idx-files';

// ---------- helpers: tiny writers for the real on-disk formats (IDX: ../helpers/idx-files) ----------

/** A CIFAR record: label byte(s) then the R, G, B planes; pixel(c, h, w) gives each byte. */
function cifarRecord(labels: number[], pixel: (c: number, h: number, w: number) => number): Buffer {
  const buf = Buffer.alloc(labels.length + 3072);
  labels.forEach((l, i) => (buf[i] = l));
  for (let c = 0; c < 3; c++)
    for (let h = 0; h < 32; h++)
      for (let w = 0; w < 32; w++) buf[labels.length + c * 1024 + h * 32 + w] = pixel(c, h, w);
  return buf;
}

const cifarPixel = (c: number, h: number, w: number): number => (c * 85 + h * 3 + w) % 256;

/** cifar10 fixture: batch b (1..5) holds 2 records labelled b-1 and b+4; test holds labels 0, 1, 2. */
function writeCifar10(dataDir: string): string {
  const dir = join(dataDir, 'cifar10', 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  for (let b = 1; b <= 5; b++) {
    const recs = [cifarRecord([b - 1], cifarPixel), cifarRecord([b + 4], cifarPixel)];
    writeFileSync(join(dir, `data_batch_${b}.bin`), Buffer.concat(recs));
  }
  writeFileSync(join(dir, 'test_batch.bin'), Buffer.concat([0, 1, 2].map((l) => cifarRecord([l], cifarPixel))));
  return dir;
}

const tempDirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'proxysweep-datasets-'));
  tempDirs.push(dir);
  return dir;
}

async function rejectsDataset(p: Promise<unknown>, ...parts: string[]): Promise<DatasetError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof DatasetError, `expected DatasetError, got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    assert.ok(!err.message.includes('\n'), `message must be one line: ${err.message}`);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" should mention "${part}"`);
    return err;
  }
  assert.fail('expected a DatasetError');
}

function fetchHint(name: string, dataDir: string): string {
  return `proxysweep data fetch ${name} --data-dir ${dataDir}`;
}

function counts(labels: ArrayLike<number>, classes: number): number[] {
  const out = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) out[labels[i]]++;
  return out;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

before(async () => {
  await tf.setBackend('cpu');
});

after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

// ---------- registry ----------

void describe('registry', () => {
  void test('lists every dataset with shape, classes and whether it needs files', () => {
    const infos = listDatasets();
    assert.deepEqual(
      infos.map((d) => d.name),
      ['digits', 'synthetic', 'mnist', 'fashion-mnist', 'cifar10', 'cifar100'],
    );
    const byName = Object.fromEntries(infos.map((d) => [d.name, d]));
    assert.equal(byName.digits.needsFiles, false);
    assert.equal(byName.synthetic.needsFiles, false);
    assert.equal(byName.cifar100.classes, 100);
    assert.deepEqual(byName.cifar10.inputShape, [32, 32, 3]);
    assert.deepEqual(byName.mnist.inputShape, [28, 28, 1]);
    for (const d of infos) assert.ok(d.description.length > 0);
  });

  void test('unknown names are a DatasetError listing the known names', async () => {
    await rejectsDataset(loadDataset('imagenet'), 'unknown dataset "imagenet"', 'digits', 'cifar100');
    await rejectsDataset(fetchDataset('imagenet', { dataDir: tempDir() }), 'unknown dataset', 'fashion-mnist');
    await rejectsDataset(loadDataset('toString'), 'unknown dataset');
  });

  void test('bad limits are a DatasetError', async () => {
    await rejectsDataset(loadDataset('synthetic', { trainLimit: 0 }), 'trainLimit');
    await rejectsDataset(loadDataset('synthetic', { testLimit: 1.5 }), 'testLimit');
  });

  void test('disposeDataset frees all four tensors, and twice is harmless', async () => {
    const before = tf.memory().numTensors;
    const ds = await loadDataset('synthetic');
    assert.equal(tf.memory().numTensors, before + 4);
    disposeDataset(ds);
    disposeDataset(ds);
    assert.equal(tf.memory().numTensors, before);
  });
});

// ---------- digits ----------

void describe('digits', () => {
  let ds: Dataset;
  before(async () => {
    ds = await loadDataset('digits');
  });
  after(() => disposeDataset(ds));

  void test('10,000 real digits split 8,000 / 2,000 as documented', () => {
    assert.deepEqual(ds.train.x.shape, [8000, 28, 28, 1]);
    assert.deepEqual(ds.test.x.shape, [2000, 28, 28, 1]);
    assert.equal(ds.train.y.dtype, 'int32');
    assert.equal(ds.train.x.dtype, 'float32');
    assert.equal(ds.classes, 10);
    assert.deepEqual(counts(ds.train.y.dataSync(), 10), [801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
    assert.deepEqual(counts(ds.test.y.dataSync(), 10), [200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  });

  void test('pixels span exactly [-1, 1]', () => {
    for (const x of [ds.train.x, ds.test.x]) {
      assert.equal(x.min().dataSync()[0], -1);
      assert.equal(x.max().dataSync()[0], 1);
    }
  });

  void test('deterministic across loads, and limits keep the prefix of the fixed order', async () => {
    const again = await loadDataset('digits', { trainLimit: 100, testLimit: 50 });
    try {
      assert.deepEqual(again.train.x.shape, [100, 28, 28, 1]);
      assert.deepEqual(again.test.y.shape, [50]);
      assert.deepEqual(again.train.y.dataSync(), ds.train.y.dataSync().slice(0, 100));
      assert.deepEqual(again.train.x.dataSync(), ds.train.x.dataSync().slice(0, 100 * 784));
      assert.deepEqual(again.test.x.dataSync(), ds.test.x.dataSync().slice(0, 50 * 784));
      // The proportional interleave puts every digit in a 100-example prefix.
      assert.ok(counts(again.train.y.dataSync(), 10).every((n) => n >= 8 && n <= 12));
    } finally {
      disposeDataset(again);
    }
  });

  void test('split helpers: round-half-up 80% and proportional interleave', () => {
    assert.equal(trainCount(1001), 801);
    assert.equal(trainCount(980), 784);
    assert.equal(trainCount(5), 4);
    assert.deepEqual(interleave([2, 1]), [
      [0, 0],
      [1, 0],
      [0, 1],
    ]);
  });
});

// ---------- synthetic ----------

void describe('synthetic', () => {
  void test('same seed gives identical data, different seeds differ', async () => {
    const a = await loadDataset('synthetic', { seed: 7 });
    const b = await loadDataset('synthetic', { seed: 7 });
    const c = await loadDataset('synthetic', { seed: 8 });
    try {
      assert.deepEqual(a.train.x.shape, [512, 8, 8, 1]);
      assert.deepEqual(a.test.x.shape, [128, 8, 8, 1]);
      assert.equal(a.classes, 4);
      assert.deepEqual(a.train.x.dataSync(), b.train.x.dataSync());
      assert.deepEqual(a.test.x.dataSync(), b.test.x.dataSync());
      assert.notDeepEqual(a.train.x.dataSync(), c.train.x.dataSync());
      assert.deepEqual(counts(a.train.y.dataSync(), 4), [128, 128, 128, 128]);
      assert.ok(a.train.x.min().dataSync()[0] >= -1 && a.train.x.max().dataSync()[0] <= 1);
    } finally {
      [a, b, c].forEach(disposeDataset);
    }
  });

  void test('size, channels and classes are configurable; limits keep a prefix', async () => {
    const opts = {
      seed: 3,
      synthetic: { height: 12, width: 10, channels: 3, classes: 6, trainSize: 60, testSize: 18 },
    };
    const full = await loadDataset('synthetic', opts);
    const cut = await loadDataset('synthetic', { ...opts, trainLimit: 7, testLimit: 5 });
    try {
      assert.deepEqual(full.inputShape, [12, 10, 3]);
      assert.deepEqual(full.train.x.shape, [60, 12, 10, 3]);
      assert.equal(full.classes, 6);
      assert.deepEqual(cut.train.x.shape, [7, 12, 10, 3]);
      assert.deepEqual(cut.train.x.dataSync(), full.train.x.dataSync().slice(0, 7 * 360));
      assert.deepEqual(cut.test.x.dataSync(), full.test.x.dataSync().slice(0, 5 * 360));
    } finally {
      disposeDataset(full);
      disposeDataset(cut);
    }
  });

  void test('invalid options are a DatasetError', async () => {
    await rejectsDataset(loadDataset('synthetic', { synthetic: { classes: 1 } }), 'synthetic.classes');
    await rejectsDataset(loadDataset('synthetic', { seed: 0.5 }), 'seed');
  });

  void test('a small CNN learns it well above chance in one epoch', async () => {
    const ds = await loadDataset('synthetic', { seed: 11 });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: ds.inputShape,
          filters: 8,
          kernelSize: 3,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.flatten(),
        tf.layers.dense({
          units: ds.classes,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
      ],
    });
    const yTrain = tf.oneHot(ds.train.y, ds.classes);
    const yTest = tf.oneHot(ds.test.y, ds.classes);
    try {
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['acc'] });
      await model.fit(ds.train.x, yTrain, { epochs: 1, batchSize: 32, verbose: 0, shuffle: false });
      const acc = tf.tidy(() => {
        const pred = (model.predict(ds.test.x) as tf.Tensor).argMax(-1);
        return pred.equal(ds.test.y).mean().dataSync()[0];
      });
      assert.ok(acc > 0.6, `accuracy ${acc} should be well above chance (0.25)`);
    } finally {
      tf.dispose([yTrain, yTest]);
      model.dispose();
      disposeDataset(ds);
    }
  });
});

// ---------- IDX: mnist / fashion-mnist ----------

void describe('mnist / fashion-mnist (IDX)', () => {
  void test('loads shapes, labels and scales 0 → -1, 255 → 1', async () => {
    const dataDir = tempDir();
    writeIdxDataset(join(dataDir, 'mnist'));
    const ds = await loadDataset('mnist', { dataDir });
    try {
      assert.deepEqual(ds.train.x.shape, [12, 28, 28, 1]);
      assert.deepEqual(ds.test.x.shape, [5, 28, 28, 1]);
      assert.deepEqual(Array.from(ds.train.y.dataSync()), TRAIN_LABELS);
      assert.deepEqual(Array.from(ds.test.y.dataSync()), TEST_LABELS);
      const x = ds.train.x.dataSync();
      assert.equal(x[0], -1);
      assert.equal(x[1], 1);
      // image 3, pixel 5 (row 0, col 5): byte (3*7+5) % 256 = 26
      assert.ok(Math.abs(x[3 * 784 + 5] - (26 / 127.5 - 1)) < 1e-6);
    } finally {
      disposeDataset(ds);
    }
  });

  void test('.gz files load the same, and limits apply', async () => {
    const dataDir = tempDir();
    writeIdxDataset(join(dataDir, 'fashion-mnist'), true);
    const ds = await loadDataset('fashion-mnist', { dataDir, trainLimit: 4, testLimit: 2 });
    try {
      assert.deepEqual(ds.train.x.shape, [4, 28, 28, 1]);
      assert.deepEqual(Array.from(ds.train.y.dataSync()), TRAIN_LABELS.slice(0, 4));
      assert.deepEqual(Array.from(ds.test.y.dataSync()), TEST_LABELS.slice(0, 2));
      assert.equal(ds.train.x.dataSync()[1], 1);
    } finally {
      disposeDataset(ds);
    }
  });

  void test('missing files name the file and the fetch command', async () => {
    const dataDir = tempDir();
    await rejectsDataset(
      loadDataset('mnist', { dataDir }),
      join(dataDir, 'mnist', 'train-images-idx3-ubyte'),
      fetchHint('mnist', dataDir),
    );
  });

  const corruptions: [string, (dir: string) => void, string][] = [
    [
      'bad magic',
      (d) =>
        writeFileSync(
          join(d, 'train-images-idx3-ubyte'),
          Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]),
        ),
      'bad magic number 2049',
    ],
    [
      'truncated images',
      (d) => writeFileSync(join(d, 'train-images-idx3-ubyte'), idxImages(12, idxPixel).subarray(0, 16 + 11 * 784 + 5)),
      'truncated',
    ],
    [
      'trailing bytes',
      (d) =>
        writeFileSync(join(d, 't10k-labels-idx1-ubyte'), Buffer.concat([idxLabels(TEST_LABELS), Buffer.from([1])])),
      'trailing data',
    ],
    ['wrong dims', (d) => writeFileSync(join(d, 'train-images-idx3-ubyte'), idxImages(12, idxPixel, 27, 28)), '27x28'],
    [
      'label out of range',
      (d) => writeFileSync(join(d, 'train-labels-idx1-ubyte'), idxLabels([...TRAIN_LABELS.slice(0, 11), 10])),
      'label 10',
    ],
    [
      'truncated header',
      (d) => writeFileSync(join(d, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8])),
      'truncated header',
    ],
  ];
  for (const [what, corrupt, detail] of corruptions) {
    void test(`corrupt file (${what}) is a DatasetError naming it`, async () => {
      const dataDir = tempDir();
      const dir = join(dataDir, 'mnist');
      writeIdxDataset(dir);
      corrupt(dir);
      const err = await rejectsDataset(loadDataset('mnist', { dataDir }), dir, detail, fetchHint('mnist', dataDir));
      assert.match(err.message, /(train|t10k)-(images-idx3|labels-idx1)-ubyte is corrupt/);
    });
  }

  void test('image/label count mismatch names both files', async () => {
    const dataDir = tempDir();
    const dir = join(dataDir, 'mnist');
    writeIdxDataset(dir);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxLabels(TEST_LABELS.slice(0, 4)));
    await rejectsDataset(
      loadDataset('mnist', { dataDir }),
      `${join(dir, 't10k-images-idx3-ubyte')} holds 5 images`,
      `${join(dir, 't10k-labels-idx1-ubyte')} holds 4 labels`,
      fetchHint('mnist', dataDir),
    );
  });

  void test('a broken .gz is a DatasetError naming it', async () => {
    const dataDir = tempDir();
    const dir = join(dataDir, 'mnist');
    writeIdxDataset(dir, true);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxLabels(TRAIN_LABELS)).subarray(0, 20));
    await rejectsDataset(loadDataset('mnist', { dataDir }), 'train-labels-idx1-ubyte.gz is corrupt', 'gzip');
  });
});

// ---------- CIFAR ----------

void describe('cifar10 / cifar100', () => {
  void test('cifar10: shapes, labels in batch order, CHW → HWC', async () => {
    const dataDir = tempDir();
    writeCifar10(dataDir);
    const ds = await loadDataset('cifar10', { dataDir });
    try {
      assert.deepEqual(ds.train.x.shape, [10, 32, 32, 3]);
      assert.deepEqual(ds.test.x.shape, [3, 32, 32, 3]);
      assert.deepEqual(Array.from(ds.train.y.dataSync()), [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
      assert.deepEqual(Array.from(ds.test.y.dataSync()), [0, 1, 2]);
      // Pixel (h=1, w=2) of image 4: channels c give bytes (c*85 + 3 + 2).
      const px = ds.train.x.slice([4, 1, 2, 0], [1, 1, 1, 3]).dataSync();
      const want = [5, 90, 175].map((b) => b / 127.5 - 1);
      want.forEach((v, c) => assert.ok(Math.abs(px[c] - v) < 1e-6, `channel ${c}: ${px[c]} vs ${v}`));
      const x = ds.train.x.dataSync();
      assert.ok(Math.min(...x.slice(0, 3072)) >= -1 && Math.max(...x.slice(0, 3072)) <= 1);
    } finally {
      disposeDataset(ds);
    }
  });

  void test('cifar10: 0 → -1 and 255 → 1 on a crafted record', async () => {
    const dataDir = tempDir();
    const dir = writeCifar10(dataDir);
    // Red plane all 255, green 0, blue 0 except (h=31, w=0) = 255.
    const rec = cifarRecord([3], (c, h, w) => (c === 0 || (c === 2 && h === 31 && w === 0) ? 255 : 0));
    writeFileSync(join(dir, 'test_batch.bin'), rec);
    const ds = await loadDataset('cifar10', { dataDir });
    try {
      const x = ds.test.x.dataSync();
      assert.deepEqual(Array.from(x.slice(0, 3)), [1, -1, -1]);
      const at = (31 * 32 + 0) * 3;
      assert.deepEqual(Array.from(x.slice(at, at + 3)), [1, -1, 1]);
      assert.deepEqual(Array.from(ds.test.y.dataSync()), [3]);
    } finally {
      disposeDataset(ds);
    }
  });

  void test('cifar10: a train limit can span batches', async () => {
    const dataDir = tempDir();
    writeCifar10(dataDir);
    const ds = await loadDataset('cifar10', { dataDir, trainLimit: 3, testLimit: 1 });
    try {
      assert.deepEqual(Array.from(ds.train.y.dataSync()), [0, 5, 1]);
      assert.deepEqual(ds.test.x.shape, [1, 32, 32, 3]);
    } finally {
      disposeDataset(ds);
    }
  });

  void test('cifar100 uses the fine label', async () => {
    const dataDir = tempDir();
    const dir = join(dataDir, 'cifar100', 'cifar-100-binary');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'train.bin'),
      Buffer.concat([cifarRecord([19, 99], cifarPixel), cifarRecord([0, 42], cifarPixel)]),
    );
    writeFileSync(join(dir, 'test.bin'), cifarRecord([4, 7], cifarPixel));
    const ds = await loadDataset('cifar100', { dataDir });
    try {
      assert.equal(ds.classes, 100);
      assert.deepEqual(Array.from(ds.train.y.dataSync()), [99, 42]);
      assert.deepEqual(Array.from(ds.test.y.dataSync()), [7]);
      assert.deepEqual(ds.train.x.shape, [2, 32, 32, 3]);
    } finally {
      disposeDataset(ds);
    }
  });

  void test('wrong record size, out-of-range labels and missing files are DatasetErrors', async () => {
    let dataDir = tempDir();
    let dir = writeCifar10(dataDir);
    writeFileSync(join(dir, 'data_batch_3.bin'), Buffer.alloc(3073 * 2 + 1));
    await rejectsDataset(
      loadDataset('cifar10', { dataDir }),
      `${join(dir, 'data_batch_3.bin')} is corrupt`,
      '3073-byte record',
      fetchHint('cifar10', dataDir),
    );

    dataDir = tempDir();
    dir = writeCifar10(dataDir);
    writeFileSync(join(dir, 'test_batch.bin'), cifarRecord([10], cifarPixel));
    await rejectsDataset(loadDataset('cifar10', { dataDir }), 'test_batch.bin is corrupt', 'label 10');

    dataDir = tempDir();
    dir = writeCifar10(dataDir);
    rmSync(join(dir, 'test_batch.bin'));
    await rejectsDataset(
      loadDataset('cifar10', { dataDir }),
      `missing ${join(dir, 'test_batch.bin')}`,
      fetchHint('cifar10', dataDir),
    );

    dataDir = tempDir();
    await rejectsDataset(
      loadDataset('cifar100', { dataDir }),
      `missing ${join(dataDir, 'cifar100', 'cifar-100-binary', 'train.bin')}`,
      fetchHint('cifar100', dataDir),
    );

    dataDir = tempDir();
    dir = join(dataDir, 'cifar100', 'cifar-100-binary');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'train.bin'), cifarRecord([20, 5], cifarPixel));
    writeFileSync(join(dir, 'test.bin'), cifarRecord([1, 100], cifarPixel));
    await rejectsDataset(loadDataset('cifar100', { dataDir }), 'train.bin is corrupt', 'label 20');
  });
});

// ---------- fetch ----------

void describe('fetch', () => {
  const routes = new Map<string, Buffer>();
  let requests: string[] = [];
  let server: http.Server;
  let base = '';

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/moved.gz') {
        res.writeHead(302, { location: '/labels.gz' }).end();
        return;
      }
      const body = routes.get(req.url ?? '');
      if (!body) res.writeHead(404).end();
      else res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  /** Serves the four IDX fixtures gzipped and returns matching sources with the real hashes. */
  function serveIdx(): DownloadSource[] {
    const files: [string, Buffer][] = [
      ['train-images-idx3-ubyte', idxImages(TRAIN_LABELS.length, idxPixel)],
      ['train-labels-idx1-ubyte', idxLabels(TRAIN_LABELS)],
      ['t10k-images-idx3-ubyte', idxImages(TEST_LABELS.length, idxPixel)],
      ['t10k-labels-idx1-ubyte', idxLabels(TEST_LABELS)],
    ];
    return files.map(([name, data]) => {
      const gz = gzipSync(data);
      routes.set(`/${name}.gz`, gz);
      return {
        url: `${base}/${name}.gz`,
        file: `${name}.gz`,
        sha256: sha256(gz),
        extract: { kind: 'gunzip', to: name },
      };
    });
  }

  void test('production sources carry real SHA-256 hex digests', () => {
    for (const [name, sources] of Object.entries(SOURCES)) {
      assert.ok(sources.length > 0, name);
      for (const s of sources) assert.match(s.sha256, /^[0-9a-f]{64}$/, `${name} ${s.file}`);
    }
    assert.equal(SOURCES.mnist[0].sha256, '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609');
  });

  void test('verifySha256 accepts the right file, rejects a wrong one, and fails closed without a hash', async () => {
    const file = join(tempDir(), 'blob.bin');
    const data = Buffer.from('proxysweep');
    writeFileSync(file, data);
    await verifySha256(file, sha256(data));
    await verifySha256(file, sha256(data).toUpperCase());
    await rejectsDataset(verifySha256(file, sha256(Buffer.from('other'))), file, 'expected');
    await rejectsDataset(verifySha256(file, ''), 'no valid published SHA-256');
  });

  void test('downloads, verifies, gunzips; a second fetch downloads nothing', async () => {
    const dataDir = tempDir();
    const sources = serveIdx();
    requests = [];
    const lines: string[] = [];
    const { files } = await fetchDataset('mnist', { dataDir, sources, log: (l) => lines.push(l) });
    assert.equal(files.length, 4);
    assert.ok(files.every((f) => existsSync(f) && f.startsWith(join(dataDir, 'mnist'))));
    assert.equal(requests.length, 4);
    assert.ok(lines.some((l) => l.includes('SHA-256 verified')));

    const ds = await loadDataset('mnist', { dataDir });
    assert.deepEqual(Array.from(ds.test.y.dataSync()), TEST_LABELS);
    disposeDataset(ds);

    requests = [];
    const again = await fetchDataset('mnist', { dataDir, sources });
    assert.deepEqual(again.files, files);
    assert.equal(requests.length, 0);
    assert.ok(!readdirSync(join(dataDir, 'mnist')).some((f) => f.endsWith('.part')));
  });

  void test('a download with the wrong hash is rejected and nothing is kept', async () => {
    const dataDir = tempDir();
    const sources = serveIdx().map((s, i) => (i === 1 ? { ...s, sha256: sha256(Buffer.from('not it')) } : s));
    await rejectsDataset(
      fetchDataset('mnist', { dataDir, sources }),
      'SHA-256',
      'train-labels-idx1-ubyte.gz',
      fetchHint('mnist', dataDir),
    );
    const left = readdirSync(join(dataDir, 'mnist'));
    assert.ok(!left.includes('train-labels-idx1-ubyte.gz') && !left.some((f) => f.endsWith('.part')), left.join());
  });

  void test('an archive already present with a wrong hash is downloaded again', async () => {
    const dataDir = tempDir();
    const sources = serveIdx();
    mkdirSync(join(dataDir, 'mnist'));
    writeFileSync(join(dataDir, 'mnist', 'train-labels-idx1-ubyte.gz'), 'garbage');
    requests = [];
    await fetchDataset('mnist', { dataDir, sources });
    assert.equal(requests.length, 4);
    const ds = await loadDataset('mnist', { dataDir });
    assert.deepEqual(Array.from(ds.train.y.dataSync()), TRAIN_LABELS);
    disposeDataset(ds);
  });

  void test('follows redirects', async () => {
    const dataDir = tempDir();
    const gz = gzipSync(idxLabels(TEST_LABELS));
    routes.set('/labels.gz', gz);
    const src: DownloadSource = {
      url: `${base}/moved.gz`,
      file: 't10k-labels-idx1-ubyte.gz',
      sha256: sha256(gz),
      extract: { kind: 'gunzip', to: 't10k-labels-idx1-ubyte' },
    };
    const { files } = await fetchDataset('mnist', { dataDir, sources: [src] });
    assert.deepEqual(files, [join(dataDir, 'mnist', 't10k-labels-idx1-ubyte')]);
  });

  void test('untars CIFAR archives into place', async () => {
    const staging = tempDir();
    writeCifar10(staging);
    const archive = join(tempDir(), 'cifar-10-binary.tar.gz');
    await tar.c({ gzip: true, file: archive, cwd: join(staging, 'cifar10') }, ['cifar-10-batches-bin']);
    const body = readFileSync(archive);
    routes.set('/cifar-10-binary.tar.gz', body);
    const src: DownloadSource = {
      ...SOURCES.cifar10[0],
      url: `${base}/cifar-10-binary.tar.gz`,
      sha256: sha256(body),
      bytes: body.length,
    };
    const dataDir = tempDir();
    const { files } = await fetchDataset('cifar10', { dataDir, sources: [src] });
    assert.equal(files.length, 6);
    const ds = await loadDataset('cifar10', { dataDir });
    assert.deepEqual(Array.from(ds.test.y.dataSync()), [0, 1, 2]);
    disposeDataset(ds);
    assert.deepEqual(readdirSync(join(dataDir, 'cifar10')).sort(), ['cifar-10-batches-bin', 'cifar-10-binary.tar.gz']);
  });

  void test('an unreachable host says so and how to place the files by hand', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dataDir = tempDir();
    const sources = SOURCES.mnist.map((s) => ({ ...s, url: `http://127.0.0.1:${port}/${s.file}` }));
    await rejectsDataset(
      fetchDataset('mnist', { dataDir, sources }),
      `could not reach 127.0.0.1:${port}`,
      join(dataDir, 'mnist'),
      'train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz',
      'by hand',
      fetchHint('mnist', dataDir),
    );
  });

  void test('an HTTP error is a DatasetError', async () => {
    const dataDir = tempDir();
    const sources = SOURCES['fashion-mnist'].map((s) => ({ ...s, url: `${base}/nowhere/${s.file}` }));
    await rejectsDataset(fetchDataset('fashion-mnist', { dataDir, sources }), 'HTTP 404', 'by hand');
  });

  void test('digits and synthetic need no fetch', async () => {
    const lines: string[] = [];
    const dataDir = tempDir();
    assert.deepEqual(await fetchDataset('digits', { dataDir, log: (l) => lines.push(l) }), { files: [] });
    assert.deepEqual(await fetchDataset('synthetic', { dataDir, log: (l) => lines.push(l) }), { files: [] });
    assert.ok(lines.every((l) => l.includes('nothing to fetch')));
    assert.deepEqual(readdirSync(dataDir), []);
  });
});
