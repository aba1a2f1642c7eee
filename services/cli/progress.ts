import cliProgress from 'cli-progress';
import type { SweepStatusReport } from '../sweeps';
import { fmtDuration } from './output';

/** Shows a sweep's progress: a live bar on a TTY, otherwise a plain line whenever something changes. */
export interface ProgressView {
  update(s: SweepStatusReport): void;
  stop(): void;
}

export function createProgressView(stream: NodeJS.WriteStream = process.stderr, enabled = true): ProgressView {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  return stream.isTTY ? barView(stream) : lineView(stream);
}

function summary(s: SweepStatusReport): string {
  const c = s.counts;
  const running = s.cells
    .filter((cell) => cell.status === 'running')
    .slice(0, 4)
    .map(
      (cell) => `${cell.key.slice(0, 6)}:${cell.phase === 'am' ? 'AM' : `ep ${cell.epochsDone}/${cell.epochsTotal}`}`,
    )
    .join(' ');
  const paused = s.live?.paused ? ' PAUSED' : '';
  return `${c.succeeded} done, ${c.running} running, ${c.failed} failed, ${c.pending} pending${paused}${running ? ` | ${running}` : ''}`;
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {value}/{total} cells | ETA {eta_h} | {summary}',
      stream,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(s) {
      const done = s.counts.succeeded + s.counts.failed + s.counts.cancelled;
      const payload = { summary: summary(s), eta_h: fmtDuration(s.etaSeconds) };
      if (!started) {
        bar.start(s.total, done, payload);
        started = true;
      } else {
        bar.update(done, payload);
      }
    },
    stop: () => started && bar.stop(),
  };
}

function lineView(stream: NodeJS.WritableStream): ProgressView {
  let last = '';
  let lastAt = 0;
  return {
    update(s) {
      const line = `[${new Date().toISOString().slice(11, 19)}] ${s.id}: ${summary(s)} | ETA ${fmtDuration(s.etaSeconds)}`;
      const key = line.slice(11);
      // Print on change, and at least every 30 s so a long epoch still shows signs of life.
      if (key !== last || Date.now() - lastAt > 30_000) {
        stream.write(`${line}\n`);
        last = key;
        lastAt = Date.now();
      }
    },
    stop: () => undefined,
  };
}
