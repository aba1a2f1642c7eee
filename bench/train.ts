/**
 * CPU training-throughput benchmark (not a test: it prints figures and asserts nothing). Trains the benchmark CNN
 * (`small-cnn`: conv3×3(32) → ProxyGrad act (slopes 0 / 0.3) → maxpool → conv3×3(64) → act → maxpool → dense(10),
 * Adam 1e-3, batch 64) on random data through the engine's own `trainModel`, so the figures are what a sweep cell
 * gets. For each backend and input it reports one process alone and one process per core running at once (the
 * machine's throughput), and, where python3 can import torch, shared/bench/torch_reference.py on the same machine
 * with its ratios.
 *
 *   npm run build && npm run bench:train [-- --json] [-- --steps 20] [-- --cpu] [-- --no-torch]
 *
 * Options: --inputs 28x28x1,32x32x3 · --batch 64 · --steps 20 · --warmup 3 · --processes <cores> · --repeat 1 (runs
 * per measurement, the median reported: on a shared machine other load skews single runs) · --cpu (also
 * time the pure-JS cpu backend, ~3 s a step, with 2 steps) · --no-torch · --python <exe> (else $PYTHON, python3,
 * /usr/bin/python3) · --torch-script <path> (else $TORCH_REFERENCE or ../shared/bench/torch_reference.py).
 * Each measurement runs in child processes of this script (`--child`), so backends never share an engine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BACKENDS, buildModel, initBackend, tf, trainModel, type BackendName } from '../services/engine';
import type { Dataset } from '../services/engine/datasets/types';

type Input = [number, number, number];
type Row = Record<string, unknown>;

interface Options {
  json: boolean;
  inputs: string[];
  batch: number;
  steps: number;
  warmup: number;
  processes: number;
  repeat: number;
  cpu: boolean;
  torch: boolean;
  python?: string;
  torchScript: string;
}

const ENGINE = `proxysweep-tfjs-${tf.version_core}`;
const CLASSES = 10;
/** The pure-JS backend takes seconds a step: a couple of steps give its order of magnitude. */
const CPU_STEPS = { steps: 2, warmup: 1 };

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return n;
}

function parseOptions(args: string[]): Options {
  const repoRoot = path.resolve(__dirname, '../..');
  return {
    json: args.includes('--json'),
    inputs: (flag(args, '--inputs') ?? '28x28x1,32x32x3').split(','),
    batch: positiveInt(flag(args, '--batch'), 64, '--batch'),
    steps: positiveInt(flag(args, '--steps'), 20, '--steps'),
    warmup: positiveInt(flag(args, '--warmup'), 3, '--warmup'),
    processes: positiveInt(flag(args, '--processes'), os.availableParallelism(), '--processes'),
    repeat: positiveInt(flag(args, '--repeat'), 1, '--repeat'),
    cpu: args.includes('--cpu'),
    torch: !args.includes('--no-torch'),
    python: flag(args, '--python') ?? process.env.PYTHON,
    torchScript:
      flag(args, '--torch-script') ??
      process.env.TORCH_REFERENCE ??
      path.resolve(repoRoot, '../shared/bench/torch_reference.py'),
  };
}

function parseInput(spec: string): Input {
  const dims = spec.split('x').map(Number);
  if (dims.length !== 3 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`input must look like 28x28x1, got ${spec}`);
  }
  return dims as Input;
}

// ---------------------------------------------------------------------------------------------------------------
// Child: one training run on one backend.

/** Random images in [-1, 1) and labels, enough for warm-up plus timed steps; an empty test split skips evaluation. */
function randomDataset(input: Input, examples: number): Dataset {
  return {
    name: 'random',
    inputShape: input,
    classes: CLASSES,
    train: {
      x: tf.randomUniform([examples, ...input], -1, 1, 'float32', 1),
      y: tf.randomUniform([examples], 0, CLASSES, 'int32', 2),
    },
    test: { x: tf.zeros([0, ...input]), y: tf.zeros([0], 'int32') },
  };
}

/** Resolves at the parent's "go" line, so that concurrent children time the same interval. */
function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.once('line', () => {
      rl.close();
      process.stdin.destroy(); // an open stdin would keep the process alive
      resolve();
    });
  });
}

async function runChild(args: string[]): Promise<void> {
  const backend = flag(args, '--backend') as BackendName;
  const input = parseInput(flag(args, '--input') ?? '28x28x1');
  const batch = positiveInt(flag(args, '--batch'), 64, '--batch');
  const steps = positiveInt(flag(args, '--steps'), 20, '--steps');
  const warmup = positiveInt(flag(args, '--warmup'), 3, '--warmup');
  const barrier = args.includes('--barrier');
  try {
    await initBackend(backend);
  } catch (err) {
    console.log(JSON.stringify({ unavailable: err instanceof Error ? err.message : String(err) }));
    return;
  }
  const model = buildModel('small-cnn', {
    inputShape: input,
    classes: CLASSES,
    activation: { mode: 'proxy', forwardSlope: 0, backwardSlope: 0.3 },
    seed: 1,
  });
  const dataset = randomDataset(input, batch * (warmup + steps));
  let start = 0;
  await trainModel(model, dataset, {
    epochs: 1,
    batchSize: batch,
    learningRate: 1e-3,
    optimizer: 'adam',
    seed: 1,
    onStep: async ({ step }) => {
      if (step !== warmup) return;
      if (barrier) {
        console.log(JSON.stringify({ ready: true }));
        await waitForGo();
      }
      start = performance.now();
    },
  });
  const msPerStep = (performance.now() - start) / steps;
  console.log(JSON.stringify({ ms_per_step: msPerStep }));
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: spawn children, collect their lines.

interface ChildRun {
  /** The child's next JSON line (rejects if it exits first). */
  next(): Promise<Row>;
  /** Releases the child from its barrier (and closes its stdin, so it can exit). */
  go(): void;
  done: Promise<void>;
}

function startChild(extra: string[]): ChildRun {
  const proc = spawn(process.execPath, [__filename, '--child', ...extra], { stdio: ['pipe', 'pipe', 'inherit'] });
  const queue: Row[] = [];
  let wake = () => {};
  let closed = false;
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      queue.push(JSON.parse(line) as Row);
    } catch {
      process.stderr.write(`${line}\n`); // not ours (tfjs chatter)
    }
    wake();
  });
  const done = new Promise<void>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      closed = true;
      wake();
      if (code === 0) resolve();
      else reject(new Error(`bench child exited with code ${code}`));
    });
  });
  const next = async (): Promise<Row> => {
    while (queue.length === 0) {
      if (closed) throw new Error('bench child exited without a result');
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return queue.shift()!;
  };
  return { next, go: () => proc.stdin.end('go\n'), done };
}

interface Run {
  backend: BackendName;
  input: string;
  processes: number;
  steps: number;
  warmup: number;
  batch: number;
}

/** Runs `processes` children at once; all time the same interval (a barrier after warm-up). */
async function measure(run: Run): Promise<{ ms_per_step: number; images_per_sec: number } | { unavailable: string }> {
  const { backend, input, processes, steps, warmup, batch } = run;
  const args = ['--backend', backend, '--input', input, '--steps', `${steps}`, '--warmup', `${warmup}`];
  const children = Array.from({ length: processes }, () => startChild([...args, '--batch', `${batch}`, '--barrier']));
  const heads = await Promise.all(children.map((c) => c.next()));
  const unavailable = heads.find((h) => 'unavailable' in h);
  if (unavailable) {
    children.forEach((c) => c.go());
    await Promise.all(children.map((c) => c.done));
    return { unavailable: String(unavailable.unavailable) };
  }
  const t0 = performance.now();
  children.forEach((c) => c.go());
  const results = await Promise.all(children.map((c) => c.next()));
  const wall = (performance.now() - t0) / 1000;
  await Promise.all(children.map((c) => c.done));
  const msPerStep = results.reduce((sum, r) => sum + Number(r.ms_per_step), 0) / processes;
  return {
    ms_per_step: round(msPerStep, 2),
    // Images all processes trained over the wall time from "go" to the last result.
    images_per_sec: round((processes * steps * batch) / wall, 1),
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The run with the median images/s of `repeat` runs (the upper median for an even count). */
async function medianOf<T extends Row>(repeat: number, once: () => Promise<T> | T): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < repeat; i++) {
    const r = await once();
    if (!('images_per_sec' in r)) return r; // unavailable or failed: the same every time
    runs.push(r);
  }
  runs.sort((a, b) => Number(a.images_per_sec) - Number(b.images_per_sec));
  return runs[Math.floor(runs.length / 2)];
}

// ---------------------------------------------------------------------------------------------------------------
// PyTorch reference.

function findTorchPython(opts: Options): string | { unavailable: string } {
  if (!existsSync(opts.torchScript)) return { unavailable: `reference script not found at ${opts.torchScript}` };
  const candidates = opts.python ? [opts.python] : ['python3', '/usr/bin/python3'];
  for (const exe of candidates) {
    const r = spawnSync(exe, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return exe;
  }
  return { unavailable: `no python among ${candidates.join(', ')} can import torch (apt-get install python3-torch)` };
}

function runTorch(python: string, opts: Options, input: string, threads: number): Row {
  const args = [opts.torchScript, '--input', input, '--batch', `${opts.batch}`, '--threads', `${threads}`];
  const r = spawnSync(python, [...args, '--steps', `${Math.max(opts.steps, 10)}`], { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Row;
  } catch {
    return { engine: 'pytorch', input, threads, error: (r.stderr || line).trim().split('\n').pop() };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Output.

function emitter(json: boolean) {
  let header = false;
  return (row: Row) => {
    if (json) return console.log(JSON.stringify(row));
    if ('ratio' in row) {
      console.log(`  ratio ${row.ratio} ${row.input} ${row.scope}: ${Number(row.value).toFixed(2)}`);
      return;
    }
    if (!header) {
      console.log(`${'engine'.padEnd(26)}${'backend'.padEnd(16)}${'input'.padEnd(10)}procs  ms/step  images/s`);
      header = true;
    }
    const note = row.unavailable ?? row.skipped ?? row.error;
    const head = `${String(row.engine).padEnd(26)}${String(row.backend ?? '').padEnd(16)}${String(row.input).padEnd(9)} `;
    if (note !== undefined) return console.log(`${head}${String(note)}`);
    const procs = (row.threads !== undefined ? `${String(row.threads)} thr` : String(row.processes)).padStart(5);
    console.log(`${head}${procs}  ${String(row.ms_per_step).padStart(7)}  ${String(row.images_per_sec).padStart(8)}`);
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--child')) return runChild(args);
  const opts = parseOptions(args);
  opts.inputs.forEach(parseInput);
  const emit = emitter(opts.json);
  const cores = os.availableParallelism();
  const ours = new Map<string, { perProcess?: number; machine?: number }>();

  for (const backend of BACKENDS) {
    if (backend === 'cpu' && !opts.cpu) {
      emit({ engine: ENGINE, backend, input: opts.inputs.join(','), skipped: 'pure JS, seconds a step; pass --cpu' });
      continue;
    }
    const { steps, warmup } = backend === 'cpu' ? CPU_STEPS : opts;
    for (const input of opts.inputs) {
      const base = { engine: ENGINE, backend, input, batch: opts.batch, steps };
      const run = { backend, input, steps, warmup, batch: opts.batch };
      const single = await medianOf(opts.repeat, () => measure({ ...run, processes: 1 }));
      if ('unavailable' in single) {
        emit({ engine: ENGINE, backend, input, unavailable: single.unavailable });
        break; // same reason for every input
      }
      emit({ ...base, processes: 1, ...single });
      const entry = { perProcess: single.images_per_sec, machine: undefined as number | undefined };
      if (opts.processes > 1 && backend !== 'cpu') {
        const all = await medianOf(opts.repeat, () => measure({ ...run, processes: opts.processes }));
        if (!('unavailable' in all)) {
          emit({ ...base, processes: opts.processes, ...all });
          entry.machine = all.images_per_sec;
        }
      }
      // Ratios use the fastest backend measured (BACKENDS is fastest first).
      if (!ours.has(input)) ours.set(input, entry);
    }
  }

  if (!opts.torch) return;
  const python = findTorchPython(opts);
  if (typeof python !== 'string') {
    emit({ engine: 'pytorch', input: opts.inputs.join(','), unavailable: python.unavailable });
    return;
  }
  for (const input of opts.inputs) {
    const machine = await medianOf(opts.repeat, () => runTorch(python, opts, input, cores));
    const perCore = await medianOf(opts.repeat, () => runTorch(python, opts, input, 1));
    emit({ backend: 'cpu', processes: 1, ...machine });
    emit({ backend: 'cpu', processes: 1, ...perCore });
    const mine = ours.get(input);
    const ratio = (scope: string, a: number | undefined, b: unknown) => {
      if (a !== undefined && typeof b === 'number') {
        emit({ ratio: 'proxysweep/pytorch', input, scope, value: round(a / b, 3) });
      }
    };
    // Per process: one tfjs process (one core) vs PyTorch on one thread. Machine: one tfjs process per core vs
    // PyTorch with a thread per core.
    ratio('per-process', mine?.perProcess, perCore.images_per_sec);
    ratio('machine', mine?.machine, machine.images_per_sec);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
