/**
 * Workers × threads benchmark (not a test): how `proxysweep run` should use the cores with native TensorFlow.
 * Runs the quick demo's sweep (examples/quick-digits.yaml: 4 cells of real training + batched AM) end to end
 * through the CLI, once per layout and round, and reports cells per hour (cells / wall time of `run`, worker
 * start-up included), the median over rounds, with ratios to the first layout (wasm, one worker per core: the
 * default before native TensorFlow). Services are started once, outside the timing.
 *
 *   npm run build && node dist/bench/threads.js [--json] [--repeat 3] [--spec examples/quick-digits.yaml]
 *     [--layouts wasm:2x1,tensorflow:2x1,tensorflow:1x2,tensorflow:2x2]
 *
 * A layout `backend:WxT` is W worker processes with T libtensorflow intra-op threads each (`run --workers W
 * --threads T`); 2x2 on 2 cores is what libtensorflow does unconfigured (every process sizes its pools to all cores).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { startEphemeralServices } from '../services/local/ephemeral';
import { packageRoot } from '../services/paths';
import { median, round } from './barrier';

interface Layout {
  backend: string;
  workers: number;
  threads: number;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function parseLayout(text: string): Layout {
  const m = /^([a-z-]+):(\d+)x(\d+)$/.exec(text);
  if (!m) throw new RangeError(`layout must look like tensorflow:2x1, got ${text}`);
  return { backend: m[1], workers: Number(m[2]), threads: Number(m[3]) };
}

const name = (l: Layout) => `${l.backend} ${l.workers}×${l.threads}`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const repeat = Number(flag(args, '--repeat') ?? 3);
  const specPath = resolve(flag(args, '--spec') ?? join(packageRoot(), 'examples', 'quick-digits.yaml'));
  const cores = availableParallelism();
  const layouts = (
    flag(args, '--layouts') ??
    `wasm:${cores}x1,tensorflow:${cores}x1,tensorflow:1x${cores},tensorflow:${cores}x${cores}`
  )
    .split(',')
    .map(parseLayout);
  const spec = YAML.parse(readFileSync(specPath, 'utf8')) as { name: string; grid: Record<string, unknown[]> };
  const cells = Object.values(spec.grid).reduce((n, values) => n * values.length, 1);
  const dir = mkdtempSync(join(tmpdir(), 'ps-bench-threads-'));
  const services = await startEphemeralServices();
  const seconds = new Map<string, number[]>(layouts.map((l) => [name(l), []]));
  try {
    for (let r = 1; r <= repeat; r++) {
      for (const l of layouts) {
        // A fresh sweep each time: the sweep id hashes the name, so nothing is found already done.
        const file = join(dir, `${l.backend}-${l.workers}x${l.threads}-${r}.yaml`);
        writeFileSync(file, YAML.stringify({ ...spec, name: `bench-${l.backend}-${l.workers}x${l.threads}-r${r}` }));
        const t0 = performance.now();
        const run = spawnSync(
          process.execPath,
          [
            join(packageRoot(), 'bin', 'proxysweep.js'),
            'run',
            file,
            ...['--workers', `${l.workers}`, '--threads', `${l.threads}`, '--no-report', '--no-progress'],
          ],
          {
            encoding: 'utf8',
            cwd: dir,
            env: {
              ...process.env,
              DATABASE_URL: services.targets.databaseUrl,
              TEMPORAL_ADDRESS: services.targets.temporal.address,
              TEMPORAL_NAMESPACE: services.targets.temporal.namespace,
              PROXYSWEEP_BACKEND: l.backend,
              PROXYSWEEP_LOG_LEVEL: 'warn',
              PROXYSWEEP_HOME: join(dir, 'home'),
            },
          },
        );
        const s = (performance.now() - t0) / 1000;
        if (run.status !== 0)
          throw new Error(`run (${name(l)}) failed: ${String(run.stderr).trim().split('\n').slice(-3).join(' | ')}`);
        seconds.get(name(l))!.push(round(s, 1));
        if (!json) process.stderr.write(`round ${r}/${repeat} ${name(l)}: ${round(s, 1)} s\n`);
      }
    }
  } finally {
    await services.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(seconds.get(name(layouts[0]))!);
  for (const l of layouts) {
    const runs = seconds.get(name(l))!;
    const s = median(runs);
    const row = {
      layout: name(l),
      workers: l.workers,
      threads: l.threads,
      cells,
      seconds: round(s, 1),
      cells_per_hour: Math.round((cells / s) * 3600),
      ratio: round(base / s, 2),
      runs,
    };
    if (json) console.log(JSON.stringify(row));
    else
      console.log(
        `${row.layout.padEnd(18)} ${String(row.seconds).padStart(6)} s  ${String(row.cells_per_hour).padStart(5)} cells/h  ×${row.ratio.toFixed(2)}  (${runs.join(', ')} s)`,
      );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
