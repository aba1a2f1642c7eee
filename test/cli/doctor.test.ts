import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDataset } from '../../services/doctor/datasets';
import { checkCudaLibraries, cudaLibraryDirs, findCudaLibraries } from '../../services/doctor/cuda-libraries';
import { parseNvidiaSmi } from '../../services/doctor/gpus';
import { compareVersions } from '../../services/doctor/node-version';
import type { DownloadSource } from '../../services/engine/datasets/sources';
import { startDevServer, stopProcess } from '../../services/temporal/dev-server';
import { packageRoot } from '../../services/paths';
import { serviceEnv, useServices } from '../helpers/services';
import { fakeBin } from '../helpers/deploy-files';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');

interface Check {
  name: string;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  fix?: string;
  data?: Record<string, unknown>;
}
interface Report {
  ok: boolean;
  checks: Check[];
  counts: Record<string, number>;
}

const SMI_CSV = '0, NVIDIA H100 80GB HBM3, 81559, 1, 550.54.15\n1, NVIDIA H100 80GB HBM3, 81559, 0, 550.54.15\n';

describe('proxysweep doctor against the real services of the test setup', () => {
  const fx = useServices();
  const emptyDatasets = mkdtempSync(join(tmpdir(), 'ps-doctor-data-'));
  // No native TensorFlow build, whatever this checkout has set up (CI builds one): the node under test has none.
  const noNative = mkdtempSync(join(tmpdir(), 'ps-doctor-native-'));

  function doctor(args: string[], env: Record<string, string | undefined> = {}) {
    const merged = {
      ...serviceEnv(fx.s),
      PROXYSWEEP_DATASET_DIR: emptyDatasets,
      PROXYSWEEP_NATIVE_DIR: noNative,
      PROXYSWEEP_BACKEND: undefined,
      ...env,
    };
    const r = spawnSync(process.execPath, [BIN, 'doctor', '--json', ...args], {
      // An undefined value unsets the variable.
      env: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)),
      encoding: 'utf8',
      timeout: 120_000,
    });
    const report = JSON.parse(r.stdout) as Report;
    const check = (name: string) => {
      const c = report.checks.find((x) => x.name === name);
      assert.ok(c, `check ${name} in ${report.checks.map((x) => x.name).join(', ')}`);
      return c;
    };
    return { status: r.status, stderr: r.stderr, report, check };
  }

  test('a ready CPU node: every check passes or warns, exit 0; each warning and failure names its fix', () => {
    const r = doctor(['--dataset', 'digits', '--task-queue', 'doctor-ok']);
    assert.equal(r.status, 0, JSON.stringify(r.report.checks.filter((c) => c.status === 'fail')));
    assert.equal(r.report.ok, true);
    for (const name of [
      'node',
      'postgres',
      'postgres.schema',
      'postgres.connections',
      'temporal',
      'temporal.namespace',
      'dataset digits',
    ]) {
      assert.equal(r.check(name).status, 'pass', `${name}: ${r.check(name).detail}`);
    }
    // Not applicable here, or only slower: warnings, not failures.
    assert.equal(r.check('gpus').status, 'warn');
    assert.equal(r.check('cuda').status, 'warn');
    assert.equal(r.check('backend').status, 'warn');
    assert.equal(r.check('backend').data?.backend, 'wasm');
    assert.match(r.check('backend').detail, /not tensorflow: native TensorFlow is not set up/);
    assert.match(r.check('backend').fix ?? '', /proxysweep setup native/);
    assert.equal(r.check('temporal.pollers').status, 'warn', 'no worker on this queue yet');
    for (const c of r.report.checks.filter((x) => x.status !== 'pass' && x.name !== 'gpus' && x.name !== 'cuda')) {
      assert.ok(c.fix, `${c.name} says how to fix it`);
    }
  });

  test('human output: one line per check with its fix, and a summary', () => {
    const r = spawnSync(process.execPath, [BIN, 'doctor', '--dataset', 'mnist'], {
      env: { ...serviceEnv(fx.s), PROXYSWEEP_DATASET_DIR: emptyDatasets, PROXYSWEEP_NATIVE_DIR: noNative },
      encoding: 'utf8',
    });
    assert.equal(r.status, 2);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^proxysweep doctor on /);
    assert.match(lines[lines.length - 1], /^\d+ checks: \d+ passed, \d+ warnings, 1 failed$/);
    const mnist = lines.find((l) => l.includes('dataset mnist'));
    assert.match(
      mnist ?? '',
      /^FAIL {2}dataset mnist +missing .* -> fix: run `proxysweep data fetch mnist --dataset-dir /,
    );
    assert.equal(lines.length, 2 + lines.filter((l) => /^(ok|warn|FAIL) /.test(l)).length);
    assert.match(r.stderr, /^proxysweep: error: 1 of \d+ checks failed: this node is not ready/);
  });

  test('a missing dataset fails with the fetch command; a corrupt archive fails on its SHA-256', () => {
    const missing = doctor(['--dataset', 'mnist,cifar10']);
    assert.equal(missing.status, 2);
    assert.equal(missing.check('dataset mnist').status, 'fail');
    assert.match(missing.check('dataset cifar10').fix ?? '', /proxysweep data fetch cifar10 --dataset-dir /);
    const dir = mkdtempSync(join(tmpdir(), 'ps-doctor-corrupt-'));
    mkdirSync(join(dir, 'mnist'));
    writeFileSync(join(dir, 'mnist', 'train-images-idx3-ubyte.gz'), 'not the real file');
    const corrupt = doctor(['--dataset', 'mnist', '--dataset-dir', dir]);
    assert.equal(corrupt.check('dataset mnist').status, 'fail');
    assert.match(corrupt.check('dataset mnist').detail, /has SHA-256 [0-9a-f]{64}, expected 440fcabf/);
    assert.match(corrupt.check('dataset mnist').fix ?? '', /^delete it and run `proxysweep data fetch mnist/);
  });

  test("--spec checks every dataset of the grid and looks for pollers on the spec's task queue", () => {
    const r = doctor(['--spec', join(packageRoot(), 'examples', 'quick-digits.yaml')]);
    assert.equal(r.check('dataset digits').status, 'pass');
    assert.equal((r.check('temporal.pollers').data as { taskQueue: string }).taskQueue, 'proxysweep');
  });

  test('no native TensorFlow: a node told to use it fails the backend check with the setup command', () => {
    const r = doctor(['--backend', 'tensorflow']);
    assert.equal(r.status, 2);
    const b = r.check('backend');
    assert.equal(b.status, 'fail');
    assert.match(b.detail, /backend "tensorflow" was asked for .*native TensorFlow is not set up/);
    assert.match(b.fix ?? '', /proxysweep setup native/);
    // The same through the environment, as a container sets it.
    assert.equal(doctor([], { PROXYSWEEP_BACKEND: 'tensorflow-gpu' }).check('backend').status, 'fail');
  });

  test('a GPU node whose GPUs are visible but unused fails backend and cuda; --gpus on a CPU node fails gpus', () => {
    const bin = fakeBin({ 'nvidia-smi': `#!/bin/sh\nprintf '${SMI_CSV.replace(/\n/g, '\\n')}'\n` });
    const gpuNode = doctor([], { PATH: `${bin}:${process.env.PATH}` });
    assert.equal(gpuNode.check('gpus').status, 'pass');
    assert.match(
      gpuNode.check('gpus').detail,
      /2 GPU\(s\) visible \(0: NVIDIA H100 80GB HBM3 80 GiB, 1: .*driver 550\.54\.15/,
    );
    assert.equal(gpuNode.check('backend').status, 'fail');
    assert.match(gpuNode.check('backend').detail, /a GPU is visible but cells would run on wasm/);
    assert.equal(gpuNode.check('cuda').status, 'fail');
    assert.equal(gpuNode.status, 2);
    const masked = doctor([], { PATH: `${bin}:${process.env.PATH}`, CUDA_VISIBLE_DEVICES: '1' });
    assert.match(masked.check('gpus').detail, /^1 GPU\(s\) visible \(1: /);
    const cpuNode = doctor(['--gpus', '0,1']);
    assert.equal(cpuNode.check('gpus').status, 'fail');
    assert.match(cpuNode.check('gpus').fix ?? '', /nvidia-smi/);
    assert.equal((cpuNode.check('postgres.connections').data as { workers: number }).workers, 2, 'one worker per GPU');
  });

  test('stopped Temporal: the temporal check fails, PostgreSQL is still checked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-doctor-temporal-'));
    const server = await startDevServer({ dir, ui: false });
    await stopProcess(server.pid);
    const r = doctor([], { TEMPORAL_ADDRESS: server.address });
    assert.equal(r.status, 2);
    assert.equal(r.check('temporal').status, 'fail');
    assert.match(r.check('temporal').detail, new RegExp(`cannot reach Temporal at ${server.address}`));
    assert.match(r.check('temporal').fix ?? '', /TEMPORAL_ADDRESS/);
    assert.ok(!r.report.checks.some((c) => c.name === 'temporal.namespace'), 'no namespace check without a server');
    assert.equal(r.check('postgres').status, 'pass');
  });

  test('a namespace that does not exist fails with the command that creates it', () => {
    const r = doctor([], { TEMPORAL_NAMESPACE: 'no-such-namespace' });
    assert.equal(r.check('temporal').status, 'pass');
    assert.equal(r.check('temporal.namespace').status, 'fail');
    assert.match(r.check('temporal.namespace').fix ?? '', /temporal operator namespace create -n no-such-namespace/);
  });

  test('an unmigrated database fails the schema check with `db migrate`; too few connections fail with the budget', async () => {
    await fx.s.pool.query('CREATE DATABASE doctor_fresh');
    const fresh = new URL(fx.s.targets.databaseUrl);
    fresh.pathname = '/doctor_fresh';
    const r = doctor([], { DATABASE_URL: fresh.toString() });
    assert.equal(r.check('postgres.schema').status, 'fail');
    assert.match(r.check('postgres.schema').fix ?? '', /proxysweep db migrate/);
    const crowded = doctor(['--workers', '500']);
    const c = crowded.check('postgres.connections');
    assert.equal(c.status, 'fail');
    // Unset, PROXYSWEEP_DB_POOL is the worker's default pool of one connection.
    assert.match(c.detail, /this node needs 500 \(500 worker process\(es\) × 1\)/);
    assert.match(c.fix ?? '', /PROXYSWEEP_DB_POOL.*max_connections.*pgbouncer/);
    assert.equal(
      doctor(['--workers', '500'], { PROXYSWEEP_DB_POOL: '3' }).check('postgres.connections').data?.needed,
      1500,
    );
  });

  test('unreachable PostgreSQL fails, and no services configured at all fails naming the variables', () => {
    const r = doctor([], { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
    assert.equal(r.check('postgres').status, 'fail');
    assert.match(r.check('postgres').detail, /cannot reach PostgreSQL at 127\.0\.0\.1:1\/none: connection refused/);
    assert.doesNotMatch(JSON.stringify(r.report), /nobody:x/, 'credentials never printed');
    const none = doctor(['--data-dir', mkdtempSync(join(tmpdir(), 'ps-doctor-none-'))], {
      DATABASE_URL: undefined,
      TEMPORAL_ADDRESS: undefined,
    });
    assert.equal(none.check('services').status, 'fail');
    assert.match(none.check('services').fix ?? '', /DATABASE_URL.*TEMPORAL_ADDRESS|services up/);
  });
});

describe('doctor checks as functions', () => {
  test('dataset files: verified archive passes, unpacked files without their archive warn, a missing one fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ps-doctor-ds-'));
    mkdirSync(join(dir, 'mnist'));
    const body = Buffer.from('tiny archive');
    writeFileSync(join(dir, 'mnist', 'a.gz'), body);
    const sha256 = createHash('sha256').update(body).digest('hex');
    const sources: DownloadSource[] = [
      { url: 'https://example.invalid/a.gz', file: 'a.gz', sha256, extract: { kind: 'gunzip', to: 'a' } },
    ];
    assert.equal((await checkDataset('mnist', dir, sources)).status, 'pass');
    writeFileSync(join(dir, 'mnist', 'b'), 'unpacked');
    const unpackedOnly: DownloadSource[] = [{ ...sources[0], file: 'b.gz', extract: { kind: 'gunzip', to: 'b' } }];
    assert.equal((await checkDataset('mnist', dir, unpackedOnly)).status, 'warn');
    const gone: DownloadSource[] = [{ ...sources[0], file: 'c.gz', extract: { kind: 'gunzip', to: 'c' } }];
    assert.equal((await checkDataset('mnist', dir, gone)).status, 'fail');
    assert.equal((await checkDataset('imagenet', dir)).status, 'fail');
    assert.equal((await checkDataset('synthetic', dir)).status, 'pass');
  });

  test('CUDA libraries: versions from the file names, in system dirs and in the CUDA 12 wheels beside libtensorflow', () => {
    const sys = mkdtempSync(join(tmpdir(), 'ps-cuda-'));
    for (const f of ['libcudart.so.11.0', 'libcudart.so', 'libcudnn.so.8.9.7', 'libcuda.so.1', 'libcublas.so.11'])
      writeFileSync(join(sys, f), '');
    const wheel = mkdtempSync(join(tmpdir(), 'ps-cuda-wheel-'));
    writeFileSync(join(wheel, 'libcudart.so.12'), '');
    const libs = findCudaLibraries([sys, wheel]);
    assert.deepEqual(libs.cudart.map((l) => l.version).sort(), ['11.0', '12']);
    const ok = checkCudaLibraries(libs, { gpuVisible: true, gpuBackendWorks: true });
    assert.equal(ok.status, 'pass');
    assert.match(ok.detail, /CUDA runtime 12, 11, cuDNN 8, driver library libcuda/);
    assert.equal(checkCudaLibraries(libs, { gpuVisible: false, gpuBackendWorks: false }).status, 'warn');
    const noDriver = findCudaLibraries([wheel]);
    assert.match(
      checkCudaLibraries(noDriver, { gpuVisible: true, gpuBackendWorks: false }).detail,
      /libcuda\.so\.1 is missing/,
    );
  });

  test('the CUDA 12 wheels of the native GPU build are searched where setup native put them', () => {
    const root = mkdtempSync(join(tmpdir(), 'ps-native-'));
    mkdirSync(join(root, 'gpu', 'nvidia', 'cudnn', 'lib'), { recursive: true });
    writeFileSync(join(root, 'gpu', 'nvidia', 'cudnn', 'lib', 'libcudnn.so.9'), '');
    const before = process.env.PROXYSWEEP_NATIVE_DIR;
    process.env.PROXYSWEEP_NATIVE_DIR = root;
    try {
      const dirs = cudaLibraryDirs({});
      assert.ok(dirs.includes(join(root, 'gpu', 'nvidia', 'cudnn', 'lib')), dirs.join(', '));
      assert.ok(findCudaLibraries(dirs).cudnn.some((l) => l.version === '9'));
    } finally {
      if (before === undefined) delete process.env.PROXYSWEEP_NATIVE_DIR;
      else process.env.PROXYSWEEP_NATIVE_DIR = before;
    }
  });

  test('nvidia-smi CSV and Node versions parse', () => {
    const l = parseNvidiaSmi(SMI_CSV);
    assert.deepEqual(l.gpus[1], { index: 1, name: 'NVIDIA H100 80GB HBM3', memoryMiB: 81559, usedMiB: 0 });
    assert.equal(l.driver, '550.54.15');
    assert.equal(parseNvidiaSmi('NVIDIA-SMI has failed\n').gpus.length, 0);
    assert.ok(compareVersions('20.20.2', '20.19') > 0);
    assert.ok(compareVersions('20.9.0', '20.19') < 0);
  });
});
