import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { NativeConnection, Worker } from '@temporalio/worker';
import { workerArgv } from '../../services/local/workers';
import { packageRoot } from '../../services/paths';
import type { FleetReport } from '../../services/fleet/live-workers';
import { eventually, serviceEnv, useServices } from '../helpers/services';
import { launch, tinySpec } from '../helpers/sweeps';
import { join } from 'node:path';

const BIN = join(packageRoot(), 'bin', 'proxysweep.js');
const QUEUE = 'tq-workers-cmd';

describe("proxysweep workers: the workers table joined with Temporal's pollers", () => {
  const fx = useServices();
  const children: ChildProcess[] = [];
  let sweepId: string;
  let outsider: { worker: Worker; run: Promise<void>; connection: NativeConnection } | undefined;

  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, 'workers', ...args], {
      env: serviceEnv(fx.s, env),
      encoding: 'utf8',
      timeout: 60_000,
    });
  const report = (args: string[] = [], env: Record<string, string> = {}) => {
    const r = cli(['--json', ...args], env);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as FleetReport;
  };
  const startWorker = (extra: { activities?: boolean }, env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, workerArgv(BIN, { taskQueue: QUEUE, backend: 'wasm', ...extra }), {
      env: serviceEnv(fx.s, env),
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  };

  before(async () => {
    // A cell that trains for a while, so a worker is seen mid-cell.
    const spec = tinySpec('workers-cmd', { grid: { seed: [0] }, am: undefined });
    spec.base = { ...(spec.base as object), epochs: 3 };
    spec.execution = { ...(spec.execution as object), taskQueue: QUEUE };
    const launched = await launch(fx.s, spec);
    fx.contexts.push(launched.ctx);
    sweepId = launched.sweepId;
    startWorker({}, { PROXYSWEEP_TEST_STEP_DELAY_MS: '300' });
    startWorker({ activities: false });
  });

  after(async () => {
    await outsider?.worker.shutdown();
    await outsider?.run.catch(() => undefined);
    await outsider?.connection.close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
  });

  test('live workers with host, pid, backend, slots, the cell and epoch they run, heartbeat age and what they poll', async () => {
    const r = await eventually(
      async () => {
        const x = report(['--task-queue', QUEUE]);
        const busy = x.workers.find((w) => w.cell);
        const idle = x.workers.find((w) => w.polling?.workflow && !w.polling.activity);
        return x.workers.length === 2 && busy?.polling?.activity && idle ? x : undefined;
      },
      90_000,
      'both workers polling, one on a cell',
    );
    const pids = new Set(children.map((c) => c.pid));
    for (const w of r.workers) {
      assert.ok(pids.has(w.pid), `pid ${w.pid} is one of ours`);
      assert.equal(w.taskQueue, QUEUE);
      assert.equal(w.backend, 'wasm');
      assert.equal(w.slots, 1);
      assert.equal(w.stale, false);
      assert.ok(w.heartbeatAgeSeconds < 30);
    }
    const busy = r.workers.find((w) => w.cell)!;
    assert.equal(busy.cell!.sweepId, sweepId);
    assert.equal(busy.cell!.epochsTotal, 3);
    assert.deepEqual(busy.polling, { workflow: true, activity: true });
    const workflowsOnly = r.workers.find((w) => w !== busy)!;
    assert.deepEqual(
      workflowsOnly.polling,
      { workflow: true, activity: false },
      '--no-activities polls workflow tasks only',
    );
    assert.deepEqual(r.unregisteredPollers, []);

    const text = cli(['--task-queue', QUEUE]).stdout;
    assert.match(text.split('\n')[0], /^host +pid +queue +backend +gpu +slots +cell +epoch +heartbeat +polls +state$/);
    assert.match(text, new RegExp(`${sweepId}/[0-9a-f]+ .*\\d/3 .* ago +wf\\+act +running`));
    assert.match(text, / ago +wf +running/);
  });

  test('doctor sees the pollers on that task queue now', () => {
    const r = spawnSync(process.execPath, [BIN, 'doctor', '--json', '--task-queue', QUEUE], {
      env: serviceEnv(fx.s),
      encoding: 'utf8',
    });
    const pollers = (JSON.parse(r.stdout) as { checks: { name: string; status: string }[] }).checks.find(
      (c) => c.name === 'temporal.pollers',
    );
    assert.equal(pollers?.status, 'pass');
  });

  test('a worker that stopped heart-beating is flagged STALE', async () => {
    await fx.s.pool.query(
      `INSERT INTO workers (id, hostname, pid, task_queue, backend, device, slots, status, last_heartbeat_at)
       VALUES ('ghost-node:gpu3:4242', 'ghost-node', 4242, $1, 'tensorflow-gpu', 'gpu3', 1, 'running', now() - interval '5 minutes')`,
      [QUEUE],
    );
    const r = report(['--task-queue', QUEUE]);
    const ghost = r.workers.find((w) => w.host === 'ghost-node');
    assert.ok(ghost);
    assert.equal(ghost.stale, true);
    assert.ok(ghost.heartbeatAgeSeconds >= 299);
    assert.deepEqual(ghost.polling, { workflow: false, activity: false });
    assert.equal(r.workers.filter((w) => w.stale).length, 1, 'live workers are not flagged');
    const text = cli(['--task-queue', QUEUE]).stdout;
    assert.match(text, /ghost-node +4242 .* gpu3 .* 5m0\ds ago +none +STALE/);
    assert.match(text, /1 worker\(s\) STALE: no heartbeat for over 30 s/);
    // A longer threshold, and the stopped ones only with --all.
    assert.equal(
      report(['--task-queue', QUEUE, '--stale-after', '600']).workers.find((w) => w.host === 'ghost-node')?.stale,
      false,
    );
    await fx.s.pool.query(
      `UPDATE workers SET status = 'stopped', stopped_at = now() WHERE id = 'ghost-node:gpu3:4242'`,
    );
    assert.equal(
      report(['--task-queue', QUEUE]).workers.some((w) => w.host === 'ghost-node'),
      false,
    );
    assert.equal(report(['--task-queue', QUEUE, '--all']).workers.find((w) => w.host === 'ghost-node')?.stale, false);
  });

  test('a poller Temporal sees without a workers row is listed as such', async () => {
    const connection = await NativeConnection.connect({ address: fx.s.targets.temporal.address });
    const worker = await Worker.create({
      connection,
      namespace: fx.s.targets.temporal.namespace,
      taskQueue: QUEUE,
      identity: 'outsider@lab',
      activities: { noop: async () => undefined },
    });
    outsider = { worker, connection, run: worker.run() };
    const r = await eventually(
      async () => {
        const x = report(['--task-queue', QUEUE]);
        return x.unregisteredPollers.some((p) => p.identity === 'outsider@lab') ? x : undefined;
      },
      60_000,
      'the outsider to poll',
    );
    assert.deepEqual(r.unregisteredPollers.find((p) => p.identity === 'outsider@lab')?.kinds, ['activity']);
    assert.match(
      cli(['--task-queue', QUEUE]).stdout,
      /poller without a workers row on "tq-workers-cmd": outsider@lab \(activity\)/,
    );
  });

  test('Temporal unreachable: the workers table is still shown, with a note', () => {
    const r = cli(['--task-queue', QUEUE], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /note: pollers not shown, Temporal did not answer/);
    const json = report(['--task-queue', QUEUE], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.ok(json.workers.length >= 2);
    assert.ok(json.workers.every((w) => w.polling === undefined));
    assert.ok(json.temporalError);
  });

  test('PostgreSQL unreachable is an error (exit 2), without the password', () => {
    const r = cli([], { DATABASE_URL: 'postgres://u:secretpw@127.0.0.1:1/x' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cannot reach PostgreSQL at 127\.0\.0\.1:1\/x/);
    assert.doesNotMatch(r.stderr + r.stdout, /secretpw/);
  });
});
