import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireDeployTool } from '../../scripts/deploy-tools';
import { WORKER_SHUTDOWN_FORCE_SECONDS } from '../../services/temporal/worker-shutdown';
import { eventually } from '../helpers/services';
import { cliUsageProblems, fakeBin, readText, repoPath, ROOT } from '../helpers/deploy-files';

const SBATCH = repoPath('infra', 'slurm', 'proxysweep-worker.sbatch');
const START = repoPath('infra', 'slurm', 'start-worker.sh');
const directives = () =>
  Object.fromEntries(
    [...readText('infra', 'slurm', 'proxysweep-worker.sbatch').matchAll(/^#SBATCH --([a-z-]+)=(\S+)/gm)].map((m) => [
      m[1],
      m[2],
    ]),
  );

/**
 * Stand-ins that record what they were run with: `srun` starts its command like srun does on one node (with
 * the GPUs Slurm would give the step) and forwards SIGTERM to it; `proxysweep` records its argv and waits for
 * SIGTERM like a worker. Both write to $RECORD.
 */
function fakes(): string {
  return fakeBin({
    srun: `#!/bin/bash
echo "srun $*" >> "$RECORD"
shift 2                           # --ntasks-per-node=1 --kill-on-bad-exit=0
CUDA_VISIBLE_DEVICES=2,3 SLURM_GPUS_ON_NODE=2 "$@" &
child=$!
trap 'echo "srun got TERM" >> "$RECORD"; kill -TERM $child' TERM
wait $child; wait $child
`,
    proxysweep: `#!/bin/bash
echo "proxysweep pid=$$ $*" >> "$RECORD"
trap 'echo "proxysweep got TERM" >> "$RECORD"; exit 0' TERM
for _ in $(seq 300); do sleep 0.1; done   # bounded: a test that fails leaves nothing running for long
exit 3
`,
  });
}

const baseEnv = (record: string, bin: string): NodeJS.ProcessEnv => ({
  PATH: `${bin}:${process.env.PATH}`,
  HOME: process.env.HOME,
  RECORD: record,
  SLURM_SUBMIT_DIR: ROOT,
  DATABASE_URL: 'postgres://u:p@db.example:5432/proxysweep',
  TEMPORAL_ADDRESS: 'temporal.example:7233',
  PROXYSWEEP_TASK_QUEUE: 'gpu-h100',
  // The stand-in worker; the test of the default command empties it.
  PROXYSWEEP: join(bin, 'proxysweep'),
});

/** Starts a script in its own process group, so a failing test can stop everything it started. */
function start(script: string, env: NodeJS.ProcessEnv) {
  const child = spawn('bash', [script], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return { child, killGroup };
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);

describe('infra/slurm', () => {
  test('the scripts parse (bash -n) and pass ShellCheck, as do the compose helper scripts', () => {
    for (const f of [SBATCH, START]) {
      const r = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${f}: ${r.stderr}`);
    }
    const scripts = [
      SBATCH,
      START,
      ...['temporal/setup-schema.sh', 'temporal/create-namespace.sh', 'postgres/grafana-reader.sh'].map((f) =>
        repoPath('infra', 'compose', f),
      ),
    ];
    const r = spawnSync(requireDeployTool('shellcheck'), scripts, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout);
  });

  test('a job array of whole GPU nodes, SIGTERM to the batch script before the time limit, well ahead of the worker shutdown', () => {
    const d = directives();
    assert.match(d.array ?? '', /^\d+-\d+/);
    assert.match(d.gres ?? '', /^gpu:\d+$/);
    const m = /^B:TERM@(\d+)$/.exec(d.signal ?? '');
    assert.ok(m, `--signal=B:TERM@<seconds>, got ${d.signal}`);
    assert.ok(
      Number(m[1]) > WORKER_SHUTDOWN_FORCE_SECONDS + 30,
      `${m[1]} s before the limit leaves the worker its ${WORKER_SHUTDOWN_FORCE_SECONDS} s`,
    );
  });

  test("start-worker.sh runs `proxysweep worker --gpus <the step's GPUs>` in its own process (exec)", () => {
    const bin = fakes();
    const record = join(bin, 'record');
    const run = (env: Record<string, string>) => {
      rmSync(record, { force: true });
      const { child, killGroup } = start(START, { ...baseEnv(record, bin), ...env });
      return new Promise<{ pid: number; code: number | null; argv: string; stderr: string }>((resolve) => {
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        const poll = setInterval(() => {
          const rec = lines(record).find((l) => l.startsWith('proxysweep '));
          if (rec) {
            clearInterval(poll);
            child.kill('SIGTERM');
          }
        }, 50);
        child.on('exit', (code) => {
          clearInterval(poll);
          killGroup();
          resolve({
            pid: child.pid!,
            code,
            argv: lines(record).find((l) => l.startsWith('proxysweep ')) ?? '',
            stderr,
          });
        });
      });
    };
    return (async () => {
      const byIndex = await run({ CUDA_VISIBLE_DEVICES: '2,3' });
      assert.match(
        byIndex.argv,
        /^proxysweep pid=(\d+) worker --gpus 2,3 --task-queue gpu-h100 --dataset-dir \S+\/\.data$/,
      );
      assert.equal(Number(/pid=(\d+)/.exec(byIndex.argv)![1]), byIndex.pid, 'exec: signals reach the worker directly');
      assert.deepEqual(cliUsageProblems(byIndex.argv.split(' ').slice(2)), []);

      const byUuid = await run({ CUDA_VISIBLE_DEVICES: 'GPU-1a2b,GPU-3c4d', SLURM_GPUS_ON_NODE: '2' });
      assert.match(byUuid.argv, / worker --gpus 0,1 /);

      const none = await run({ CUDA_VISIBLE_DEVICES: '', SLURM_GPUS_ON_NODE: '' });
      assert.equal(none.code, 1);
      assert.equal(none.argv, '');
      assert.match(none.stderr, /no GPUs in this job step .* submit with --gres=gpu:N/);

      const withArgs = await run({ CUDA_VISIBLE_DEVICES: '0', PROXYSWEEP: `${join(bin, 'proxysweep')} --from-image` });
      assert.match(withArgs.argv, / --from-image worker --gpus 0 /, 'PROXYSWEEP may be a command with arguments');

      // By default: the checkout the job was submitted from, run by node (a stand-in `node` records it).
      writeFileSync(
        join(bin, 'node'),
        readFileSync(join(bin, 'proxysweep'), 'utf8').replace('echo "proxysweep', 'echo "node'),
      );
      chmodSync(join(bin, 'node'), 0o755);
      rmSync(record, { force: true });
      const { child, killGroup } = start(START, { ...baseEnv(record, bin), PROXYSWEEP: '', CUDA_VISIBLE_DEVICES: '0' });
      try {
        const argv = await eventually(
          async () => lines(record).find((l) => l.startsWith('node ')),
          15_000,
          'node to start',
        );
        assert.match(argv, new RegExp(`^node pid=\\d+ ${ROOT}/bin/proxysweep\\.js worker --gpus 0 `));
      } finally {
        child.kill('SIGTERM');
        killGroup();
      }
    })();
  });

  test('the batch script starts the workers through srun and forwards SIGTERM, then exits when they have stopped', async () => {
    const bin = fakes();
    const record = join(bin, 'record');
    const { child: job, killGroup } = start(SBATCH, baseEnv(record, bin));
    let output = '';
    job.stdout.on('data', (c: Buffer) => (output += c.toString()));
    job.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => job.on('exit', (code) => resolve(code)));
    try {
      await eventually(
        async () => lines(record).some((l) => l.startsWith('proxysweep ')),
        15_000,
        'the worker to start',
      );
      const rec = lines(record);
      assert.equal(rec[0], `srun --ntasks-per-node=1 --kill-on-bad-exit=0 ${START}`);
      assert.match(rec[1], / worker --gpus 2,3 --task-queue gpu-h100 /);
      job.kill('SIGTERM');
      assert.equal(await exited, 0, output);
      assert.deepEqual(lines(record).slice(2), ['srun got TERM', 'proxysweep got TERM']);
      assert.match(output, /SIGTERM received, stopping the workers/);
    } finally {
      killGroup();
    }
  });

  test('without DATABASE_URL the job stops at once, naming the variable', () => {
    const bin = fakes();
    const env = baseEnv(join(bin, 'record'), bin);
    delete env.DATABASE_URL;
    const r = spawnSync('bash', [SBATCH], { env, encoding: 'utf8', timeout: 10_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /DATABASE_URL/);
    assert.ok(!existsSync(join(bin, 'record')), 'nothing started');
  });
});
