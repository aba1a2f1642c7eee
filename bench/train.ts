/**
 * CPU training-throughput benchmark (not a test: it prints figures and asserts nothing). Trains the benchmark CNN
 * (`small-cnn`: conv3×3(32) → ProxyGrad act (slopes 0 / 0.3) → maxpool → conv3×3(64) → act → maxpool → dense(10),
 * Adam 1e-3, batch 64) on random data through the engine's own `trainModel`, so the figures are what a sweep cell
 * gets, on every backend available here (native TensorFlow, wasm), and PyTorch (bench/torch_reference.py, the same
 * network and step) in the same run, laid out alike:
 *
 *   1×1  one process, one thread                        (per process)
 *   N×1  N processes at once, one thread each           (the machine, as `proxysweep run` uses it)
 *   1×N  one process with N threads (native TF, PyTorch) (the machine, the other way)
 *
 * with N = the cores. Measurements are interleaved in rounds (each round measures every engine and layout once),
 * and each figure is the median of `--repeat` rounds, so slow drift on a shared machine hits all engines alike;
 * each measurement waits (up to `--idle-wait` seconds, 60) for the CPUs to be idle before it starts.
 *
 *   npm run bench:train [-- --json | --markdown] [-- --repeat 3] [-- --steps 30] [-- --cpu] [-- --no-torch]
 *
 * Options: --inputs 28x28x1,32x32x3 · --batch 64 · --steps 30 · --warmup 3 · --cores <available> · --repeat 3 · --idle-wait 60 ·
 * --backends tensorflow-gpu,tensorflow,wasm (those not set up here are reported as unavailable) · --cpu (also the
 * pure-JS cpu backend, ~3 s a step, 2 steps, 1×1 only) · --no-torch · --python <exe> (else $PYTHON, python3,
 * /usr/bin/python3) · --torch-script <path> (else $TORCH_REFERENCE or bench/torch_reference.py) · --markdown (the
 * README's performance table). Each measurement runs in child processes of this script (`--child`), so backends
 * never share an engine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BACKENDS, buildModel, initBackend, tf, trainModel, type BackendName } from '../services/engine';
import { nativeStatus } from '../services/engine/native';
import type { Dataset } from '../services/engine/datasets/types';
import { measureTogether, median, round, waitForIdle, type ChildSpec, type Row } from './barrier';

type Input = [number, number, number];

interface Options {
  json: boolean;
  markdown: boolean;
  inputs: string[];
  batch: number;
  steps: number;
  warmup: number;
  cores: number;
  repeat: number;
  idleWaitS: number;
  backends: BackendName[];
  torch: boolean;
  python?: string;
  torchScript: string;
}

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
  const backends = (flag(args, '--backends') ?? 'tensorflow-gpu,tensorflow,wasm').split(',') as BackendName[];
  for (const b of backends) {
    if (!BACKENDS.includes(b)) throw new RangeError(`--backends: unknown backend ${b} (${BACKENDS.join(', ')})`);
  }
  if (args.includes('--cpu') && !backends.includes('cpu')) backends.push('cpu');
  return {
    json: args.includes('--json'),
    markdown: args.includes('--markdown'),
    inputs: (flag(args, '--inputs') ?? '28x28x1,32x32x3').split(','),
    batch: positiveInt(flag(args, '--batch'), 64, '--batch'),
    steps: positiveInt(flag(args, '--steps'), 30, '--steps'),
    warmup: positiveInt(flag(args, '--warmup'), 3, '--warmup'),
    cores: positiveInt(flag(args, '--cores'), os.availableParallelism(), '--cores'),
    repeat: positiveInt(flag(args, '--repeat'), 3, '--repeat'),
    idleWaitS: positiveInt(flag(args, '--idle-wait'), 60, '--idle-wait'),
    backends,
    torch: !args.includes('--no-torch'),
    python: flag(args, '--python') ?? process.env.PYTHON,
    torchScript:
      flag(args, '--torch-script') ?? process.env.TORCH_REFERENCE ?? path.resolve(repoRoot, 'bench/torch_reference.py'),
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
  const steps = positiveInt(flag(args, '--steps'), 30, '--steps');
  const warmup = positiveInt(flag(args, '--warmup'), 3, '--warmup');
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
      console.log(JSON.stringify({ ready: true }));
      await waitForGo();
      start = performance.now();
    },
  });
  console.log(JSON.stringify({ ms_per_step: (performance.now() - start) / steps }));
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: the measurement plan, in interleaved rounds.

interface Slot {
  engine: 'proxysweep' | 'pytorch';
  /** Our backend, or 'cpu' for PyTorch. */
  backend: BackendName;
  input: string;
  processes: number;
  threads: number;
}

const layout = (s: Pick<Slot, 'processes' | 'threads'>) => `${s.processes}×${s.threads}`;
const slotKey = (s: Slot) => `${s.engine}/${s.backend}/${s.input}/${layout(s)}`;

/** Which layouts each engine runs: native TF and PyTorch can also use N threads in one process; wasm cannot. */
function layoutsFor(
  engine: Slot['engine'],
  backend: BackendName,
  cores: number,
): { processes: number; threads: number }[] {
  const one = { processes: 1, threads: 1 };
  if (cores === 1 || (engine === 'proxysweep' && backend === 'cpu')) return [one];
  if (backend === 'tensorflow-gpu') return [one]; // one process per GPU; libtensorflow's own threads
  const perCore = { processes: cores, threads: 1 };
  const threaded = { processes: 1, threads: cores };
  return engine === 'pytorch' || backend === 'tensorflow' ? [one, perCore, threaded] : [one, perCore];
}

function plan(opts: Options): Slot[] {
  const slots: Slot[] = [];
  for (const input of opts.inputs) {
    const engines: { engine: Slot['engine']; backend: BackendName }[] = [
      ...(opts.torch ? [{ engine: 'pytorch' as const, backend: 'cpu' as const }] : []),
      ...opts.backends.map((backend) => ({ engine: 'proxysweep' as const, backend })),
    ];
    // Comparable measurements next to each other in time: every engine's 1×1, then every N×1, then every 1×N.
    const byLayout = new Map<string, Slot[]>();
    for (const e of engines) {
      for (const l of layoutsFor(e.engine, e.backend, opts.cores)) {
        const key = `${l.processes}x${l.threads}`;
        byLayout.set(key, [...(byLayout.get(key) ?? []), { ...e, input, ...l }]);
      }
    }
    for (const group of byLayout.values()) slots.push(...group);
  }
  return slots;
}

function childSpecs(slot: Slot, opts: Options, python: string | undefined): { specs: ChildSpec[]; steps: number } {
  const { steps, warmup } = slot.backend === 'cpu' && slot.engine === 'proxysweep' ? CPU_STEPS : opts;
  if (slot.engine === 'pytorch') {
    const args = [opts.torchScript, '--input', slot.input, '--batch', `${opts.batch}`, '--steps', `${steps}`];
    const spec = { command: python!, args: [...args, '--threads', `${slot.threads}`, '--barrier'] };
    return { specs: Array.from({ length: slot.processes }, () => spec), steps };
  }
  const args = [__filename, '--child', '--backend', slot.backend, '--input', slot.input, '--batch', `${opts.batch}`];
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (slot.backend === 'tensorflow') {
    env.TF_NUM_INTRAOP_THREADS = `${slot.threads}`;
    env.TF_NUM_INTEROP_THREADS = '1';
  }
  const spec = { command: process.execPath, args: [...args, '--steps', `${steps}`, '--warmup', `${warmup}`], env };
  return { specs: Array.from({ length: slot.processes }, () => spec), steps };
}

function findTorchPython(opts: Options): string | { unavailable: string } {
  if (!existsSync(opts.torchScript)) return { unavailable: `reference script not found at ${opts.torchScript}` };
  const candidates = opts.python ? [opts.python] : ['python3', '/usr/bin/python3'];
  for (const exe of candidates) {
    if (spawnSync(exe, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0) return exe;
  }
  return { unavailable: `no python among ${candidates.join(', ')} can import torch (apt-get install python3-torch)` };
}

function torchVersion(python: string): string {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return `pytorch-${r.stdout.trim()}`;
}

/** `proxysweep-wasm`, `proxysweep-tensorflow (TF 2.21.0)`: the native figures name their libtensorflow. */
function engineName(backend: BackendName): string {
  const tfVersion = nativeStatus().setup?.tensorflow;
  return backend.startsWith('tensorflow') && tfVersion
    ? `proxysweep-${backend} (TF ${tfVersion})`
    : `proxysweep-${backend}`;
}

interface Figures {
  slot: Slot;
  engineName: string;
  runs: number[];
  msPerStep: number[];
  unavailable?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Output.

function textRow(f: Figures): string {
  const head = `${f.engineName.padEnd(26)}${f.slot.backend.padEnd(16)}${f.slot.input.padEnd(10)}`;
  if (f.unavailable) return `${head}${f.unavailable}`;
  const spread = `${Math.min(...f.runs)}–${Math.max(...f.runs)}`;
  return `${head}${layout(f.slot).padStart(6)}  ${String(round(median(f.msPerStep), 1)).padStart(7)}  ${String(round(median(f.runs), 0)).padStart(8)}  ${spread}`;
}

function jsonRow(f: Figures): Row {
  const { slot } = f;
  const base = { engine: f.engineName, backend: slot.backend, input: slot.input };
  if (f.unavailable) return { ...base, unavailable: f.unavailable };
  return {
    ...base,
    processes: slot.processes,
    threads: slot.threads,
    ms_per_step: round(median(f.msPerStep), 2),
    images_per_sec: round(median(f.runs), 1),
    runs: f.runs,
  };
}

interface Ratio {
  backend: BackendName;
  input: string;
  scope: string;
  value: number;
}

/** Ours over PyTorch in the same layout, and best machine layout over best machine layout. */
function ratios(figures: Figures[], opts: Options): Ratio[] {
  const out: Ratio[] = [];
  const med = (f: Figures | undefined) => (f && !f.unavailable && f.runs.length ? median(f.runs) : undefined);
  for (const input of opts.inputs) {
    const torch = figures.filter((f) => f.slot.engine === 'pytorch' && f.slot.input === input);
    const torchAt = (l: string) => med(torch.find((f) => layout(f.slot) === l));
    const torchBest = Math.max(...torch.filter((f) => f.slot.processes * f.slot.threads > 1).map((f) => med(f) ?? 0));
    for (const backend of opts.backends) {
      const ours = figures.filter(
        (f) => f.slot.engine === 'proxysweep' && f.slot.backend === backend && f.slot.input === input,
      );
      for (const f of ours) {
        const a = med(f);
        const b = torchAt(layout(f.slot));
        if (a !== undefined && b) out.push({ backend, input, scope: layout(f.slot), value: round(a / b, 2) });
      }
      const machine = ours.filter((f) => f.slot.processes * f.slot.threads > 1).map((f) => med(f) ?? 0);
      if (machine.length && torchBest > 0) {
        out.push({ backend, input, scope: 'machine best', value: round(Math.max(...machine) / torchBest, 2) });
      }
    }
  }
  return out;
}

/** The README's performance table: images/s (medians) and ratios to PyTorch in the same layout. */
function markdown(figures: Figures[], opts: Options): string {
  const ours = opts.backends.filter((b) =>
    figures.some((f) => f.slot.backend === b && f.slot.engine === 'proxysweep' && !f.unavailable),
  );
  const name = (b: BackendName) =>
    figures.find((f) => f.slot.backend === b && f.slot.engine === 'proxysweep' && !f.unavailable)?.engineName ?? b;
  const torchName = figures.find((f) => f.slot.engine === 'pytorch' && !f.unavailable)?.engineName ?? 'pytorch';
  const head = ['input', 'layout (processes × threads)', torchName, ...ours.flatMap((b) => [name(b), '× PyTorch'])];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  const med = (f: Figures | undefined) =>
    f && !f.unavailable && f.runs.length ? Math.round(median(f.runs)) : undefined;
  const fmt = (n: number | undefined) => (n === undefined ? '–' : n.toLocaleString('en-US'));
  const rs = ratios(figures, opts);
  for (const input of opts.inputs) {
    const layouts = [...new Set(figures.filter((f) => f.slot.input === input).map((f) => layout(f.slot)))];
    for (const l of [...layouts, 'machine best']) {
      const pick = (engine: Slot['engine'], backend: BackendName) =>
        l === 'machine best'
          ? Math.max(
              0,
              ...figures
                .filter((f) => f.slot.engine === engine && f.slot.backend === backend && f.slot.input === input)
                .filter((f) => f.slot.processes * f.slot.threads > 1)
                .map((f) => med(f) ?? 0),
            ) || undefined
          : med(
              figures.find(
                (f) =>
                  f.slot.engine === engine &&
                  f.slot.backend === backend &&
                  f.slot.input === input &&
                  layout(f.slot) === l,
              ),
            );
      const cells = [
        input.replace(/x/g, '×'),
        l === 'machine best' ? 'best per machine' : l,
        fmt(pick('pytorch', 'cpu')),
      ];
      for (const b of ours) {
        const r = rs.find((x) => x.backend === b && x.input === input && x.scope === l);
        cells.push(fmt(pick('proxysweep', b)), r ? r.value.toFixed(2) : '–');
      }
      lines.push(`| ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--child')) return runChild(args);
  const opts = parseOptions(args);
  opts.inputs.forEach(parseInput);
  let python: string | undefined;
  const figures = new Map<string, Figures>();
  let torchName = 'pytorch';
  if (opts.torch) {
    const found = findTorchPython(opts);
    if (typeof found === 'string') {
      python = found;
      torchName = torchVersion(found);
    } else {
      opts.torch = false;
      console.error(`pytorch: ${found.unavailable}`);
    }
  }
  const slots = plan(opts);
  const dropped = new Map<string, string>(); // engine/backend → why unavailable
  let busyStarts = 0; // measurements that found the machine busy after waiting a minute
  const started = performance.now();
  const load0 = os.loadavg()[0].toFixed(2);
  for (let round_ = 1; round_ <= opts.repeat; round_++) {
    for (const slot of slots) {
      const who = `${slot.engine}/${slot.backend}`;
      const key = slotKey(slot);
      const entry = figures.get(key) ?? {
        slot,
        engineName: slot.engine === 'pytorch' ? torchName : engineName(slot.backend),
        runs: [],
        msPerStep: [],
      };
      figures.set(key, entry);
      if (dropped.has(who)) {
        entry.unavailable = dropped.get(who);
        continue;
      }
      const { specs, steps } = childSpecs(slot, opts, python);
      if (!(await waitForIdle(opts.idleWaitS * 1000))) busyStarts++;
      const m = await measureTogether(specs, steps * opts.batch);
      if ('unavailable' in m) {
        dropped.set(who, m.unavailable);
        entry.unavailable = m.unavailable;
        continue;
      }
      entry.runs.push(m.images_per_sec);
      entry.msPerStep.push(m.ms_per_step);
      if (!opts.json && !opts.markdown) {
        process.stderr.write(`round ${round_}/${opts.repeat} ${key}: ${m.images_per_sec} images/s\n`);
      }
    }
  }
  const all = [...figures.values()];
  const minutes = round((performance.now() - started) / 60000, 1);
  if (opts.markdown) {
    console.log(markdown(all, opts));
    console.log(
      `\n${opts.cores} cores, batch ${opts.batch}, ${opts.steps} timed steps, medians of ${opts.repeat} interleaved rounds (${minutes} min; load average ${load0} before, ${os.loadavg()[0].toFixed(2)} after).`,
    );
    for (const [who, why] of dropped) console.log(`Not measured: ${who} (${why.split(';')[0]}).`);
    if (busyStarts) console.log(`${busyStarts} measurement(s) started while other work kept the CPUs busy.`);
    return;
  }
  const rs = ratios(all, opts);
  if (opts.json) {
    for (const f of all) console.log(JSON.stringify(jsonRow(f)));
    for (const r of rs) console.log(JSON.stringify({ ratio: 'proxysweep/pytorch', ...r }));
    console.log(
      JSON.stringify({ rounds: opts.repeat, minutes, busy_starts: busyStarts, dropped: Object.fromEntries(dropped) }),
    );
    return;
  }
  console.log(
    `${'engine'.padEnd(26)}${'backend'.padEnd(16)}${'input'.padEnd(10)}layout  ms/step  images/s  (range over ${opts.repeat})`,
  );
  for (const f of all) console.log(textRow(f));
  for (const r of rs) console.log(`  ratio to PyTorch ${r.backend} ${r.input} ${r.scope}: ${r.value.toFixed(2)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
