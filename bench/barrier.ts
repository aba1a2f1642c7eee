/**
 * Timing several benchmark processes over the same interval. Each child prints JSON lines on stdout: `{"ready":
 * true}` after its warm-up, then waits for a line on stdin ("go"), then prints its result (`ms_per_step`, or
 * `unavailable` instead of `ready`). bench/train.ts's own children and bench/torch_reference.py speak it alike.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export type Row = Record<string, unknown>;

export interface ChildSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

interface ChildRun {
  /** The child's next JSON line (rejects if it exits first). */
  next(): Promise<Row>;
  /** Releases the child from its barrier (and closes its stdin, so it can exit). */
  go(): void;
  done: Promise<void>;
}

function startChild(spec: ChildSpec): ChildRun {
  const proc = spawn(spec.command, spec.args, { stdio: ['pipe', 'pipe', 'inherit'], env: spec.env ?? process.env });
  const queue: Row[] = [];
  let wake = () => {};
  let closed = false;
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      queue.push(JSON.parse(line) as Row);
    } catch {
      process.stderr.write(`${line}\n`); // not ours (library chatter)
    }
    wake();
  });
  const done = new Promise<void>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) => {
      closed = true;
      wake();
      if (code === 0) resolve();
      else reject(new Error(`bench child ${spec.command} exited with code ${code}`));
    });
  });
  const next = async (): Promise<Row> => {
    while (queue.length === 0) {
      if (closed) throw new Error(`bench child ${spec.command} exited without a result`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return queue.shift()!;
  };
  return { next, go: () => proc.stdin.end('go\n'), done };
}

export interface Measurement {
  /** Mean over the processes of each one's ms per step. */
  ms_per_step: number;
  /** Images all processes trained, over the wall time from "go" to the last result. */
  images_per_sec: number;
}

/** Starts one child per spec, releases them together after all warmed up, and sums their throughput. */
export async function measureTogether(
  specs: ChildSpec[],
  imagesPerChild: number,
): Promise<Measurement | { unavailable: string }> {
  const children = specs.map(startChild);
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
  return {
    ms_per_step: round(results.reduce((sum, r) => sum + Number(r.ms_per_step), 0) / specs.length, 2),
    images_per_sec: round((specs.length * imagesPerChild) / wall, 1),
  };
}

export const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** CPU time counters of the whole machine from /proc/stat (Linux), or undefined elsewhere. */
function cpuTimes(): { idle: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: fields[3] + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/**
 * Waits (up to `maxMs`) until the machine's CPUs were ≥ 90% idle over half a second, so that a measurement does
 * not start while something else runs (the build machines are shared). Returns false if it never was.
 */
export async function waitForIdle(maxMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, 500));
    const b = cpuTimes();
    if (!a || !b) return true;
    if ((b.idle - a.idle) / Math.max(1, b.total - a.total) >= 0.9) return true;
    if (Date.now() > deadline) return false;
  }
}
