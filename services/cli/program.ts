import { Command, InvalidArgumentError, Option } from 'commander';
import { createOutput } from './output';
import type { GlobalOptions } from './commands/shared';
import type { CellStatus } from '../db/cells';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths';

// The meaning of a spec without AM settings changed in 0.2: say so wherever a spec is given.
const AM_DEFAULTS_NOTE =
  "AM defaults (since 0.2): the paper's plain ascent x <- clip(x + lr*grad) from zeros, lr 0.1, 200 steps.\n" +
  'Earlier versions used Adam (lr 0.05, 100 steps); set `am.optimizer: adam` for that protocol.';

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Every command, its options and examples, in one place. Actions import their command module lazily, so
 * `proxysweep --help` stays fast and TensorFlow.js loads only for commands that compute.
 */
export function buildProgram(): Command {
  const program = new Command('proxysweep')
    .description(
      'Durable hyperparameter sweeps for ProxyGrad experiments (Temporal + TensorFlow.js + PostgreSQL + Grafana)',
    )
    .version(packageVersion())
    .addOption(
      new Option('--data-dir <dir>', 'where embedded services keep their data')
        .env('PROXYSWEEP_HOME')
        .default('.proxysweep'),
    )
    .option('--json', 'print one machine-readable JSON document on stdout', false)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });
  program.exitOverride();

  const globals = (cmd: Command) => cmd.optsWithGlobals() as GlobalOptions;
  const out = (cmd: Command) => createOutput(!!globals(cmd).json);

  program
    .command('run')
    .description('all-in-one: start services and local workers, run a sweep to the end, print results, stop')
    .argument('<spec>', 'sweep spec (YAML or JSON)')
    .option('--workers <n>', 'local worker processes (default: one per CPU core)', positiveInt)
    .option('--threads <n>', 'native TensorFlow threads per worker (default: cores / workers)', positiveInt)
    .addOption(backendOption())
    .option('--dataset-dir <dir>', 'directory of downloaded datasets (PROXYSWEEP_DATASET_DIR, default ./.data)')
    .option('--keep-services', 'leave the embedded services running afterwards', false)
    .option('--report <dir>', 'where to write the HTML report (default reports/<sweep id>)')
    .option('--no-report', 'skip the HTML report')
    .option('--no-progress', 'no live progress on stderr')
    .addHelpText('after', `\nExample:\n  proxysweep run examples/quick-digits.yaml\n${AM_DEFAULTS_NOTE}`)
    .action(async (spec: string, _o, cmd: Command) => {
      const { runCommand } = await import('./commands/run.js');
      await runCommand(spec, cmd.optsWithGlobals(), out(cmd));
    });

  const sweep = program.command('sweep').description('launch, watch and control sweeps on running services');
  sweep
    .command('start')
    .description('validate a spec and launch its sweep (idempotent: the same spec finds the same sweep)')
    .argument('<spec>', 'sweep spec (YAML or JSON)')
    .option('--new', 'launch a fresh copy even if this spec ran before', false)
    .addHelpText('after', `\n${AM_DEFAULTS_NOTE}`)
    .action(async (spec: string, _o, cmd: Command) => {
      const { sweepStart } = await import('./commands/sweep.js');
      await sweepStart(spec, cmd.optsWithGlobals(), out(cmd));
    });
  sweep
    .command('plan')
    .description('print the cells and AM arms a spec expands to, without starting anything (no services needed)')
    .argument('<spec>', 'sweep spec (YAML or JSON)')
    .addHelpText('after', `\nExample:\n  proxysweep sweep plan examples/paper-am.yaml --json\n${AM_DEFAULTS_NOTE}`)
    .action(async (spec: string, _o, cmd: Command) => {
      const { sweepPlanCommand } = await import('./commands/plan.js');
      sweepPlanCommand(spec, out(cmd));
    });
  sweep
    .command('status')
    .description('cells done/running/failed, epochs, errors, ETA; lists one page of cells (running and failed first)')
    .argument('<id>', 'sweep id')
    .option('--limit <n>', 'cells to list (counts and ETA always cover all)', positiveInt, 50)
    .addOption(
      new Option('--state <state>', 'list only cells in this state').choices([
        'pending',
        'running',
        'succeeded',
        'failed',
        'cancelled',
        'pruned',
      ]),
    )
    .addHelpText('after', '\nExample:\n  proxysweep sweep status my-study-1a2b3c4d --state failed --limit 200')
    .action(async (id: string, o: { limit: number; state?: CellStatus }, cmd: Command) => {
      const { sweepStatusCommand } = await import('./commands/sweep.js');
      await sweepStatusCommand(id, { ...globals(cmd), limit: o.limit, state: o.state }, out(cmd));
    });
  sweep
    .command('list')
    .description('all sweeps, newest first')
    .action(async (_o, cmd: Command) => {
      const { sweepListCommand } = await import('./commands/sweep.js');
      await sweepListCommand(globals(cmd), out(cmd));
    });
  for (const verb of ['pause', 'unpause', 'cancel'] as const) {
    sweep
      .command(verb)
      .description(
        {
          pause: 'start no new cells (running ones finish)',
          unpause: 'start cells again',
          cancel: 'stop the sweep and its running cells (checkpoints are kept)',
        }[verb],
      )
      .argument('<id>', 'sweep id')
      .action(async (id: string, _o, cmd: Command) => {
        const { sweepControl } = await import('./commands/sweep.js');
        await sweepControl(verb, id, globals(cmd), out(cmd));
      });
  }
  sweep
    .command('resume')
    .description('run every cell that has not succeeded (failed, cancelled, lost), continuing from checkpoints')
    .argument('<id>', 'sweep id')
    .action(async (id: string, _o, cmd: Command) => {
      const { sweepResume } = await import('./commands/sweep.js');
      await sweepResume(id, globals(cmd), out(cmd));
    });
  sweep
    .command('extend')
    .description(
      'add the cells of a grown spec (more grid points, a larger search.budget) to a running or finished sweep',
    )
    .argument('<id>', 'sweep id')
    .argument('<spec>', 'the spec with more grid values or a larger budget (am, pruner and search seed unchanged)')
    .action(async (id: string, specPath: string, _o, cmd: Command) => {
      const { sweepExtend } = await import('./commands/sweep.js');
      await sweepExtend(id, specPath, globals(cmd), out(cmd));
    });
  sweep
    .command('continue')
    .description('train a pruned cell to its last epoch (from the checkpoint it stopped at), then AM as for any cell')
    .argument('<id>', 'sweep id')
    .argument('<cell>', 'cell key (see `sweep status --state pruned`)')
    .action(async (id: string, cell: string, _o, cmd: Command) => {
      const { sweepContinue } = await import('./commands/sweep.js');
      await sweepContinue(id, cell, globals(cmd), out(cmd));
    });
  sweep
    .command('resize')
    .description('change how many cells run at once, live')
    .argument('<id>', 'sweep id')
    .requiredOption('--max-parallel <n>', 'cells at once', positiveInt)
    .action(async (id: string, o: { maxParallel: number }, cmd: Command) => {
      const { sweepResize } = await import('./commands/sweep.js');
      await sweepResize(id, o.maxParallel, globals(cmd), out(cmd));
    });

  sweep
    .command('delete')
    .description('delete a sweep and everything recorded for it (cells, metrics, AM results, checkpoints)')
    .argument('<id>', 'sweep id')
    .option('--yes', 'really delete (without it: say what would be deleted, exit 2)', false)
    .action(async (id: string, o: { yes: boolean }, cmd: Command) => {
      const { sweepDeleteCommand } = await import('./commands/sweep.js');
      await sweepDeleteCommand(id, { ...globals(cmd), yes: o.yes }, out(cmd));
    });

  sweep
    .command('report')
    .description('write a self-contained HTML report (results matrix, curves, AM images) and CSVs of a sweep')
    .argument('<id>', 'sweep id')
    .option('--out <dir>', 'output directory (default: reports/<id>)')
    .addHelpText('after', '\nExample:\n  proxysweep sweep report quick-digits-cffd1166 --out /tmp/report')
    .action(async (id: string, o: { out?: string }, cmd: Command) => {
      const { sweepReportCommand } = await import('./commands/report.js');
      await sweepReportCommand(id, { ...globals(cmd), out: o.out }, out(cmd));
    });

  program
    .command('worker')
    .description('poll a task queue and run cells (one process per GPU; stops cleanly on SIGINT/SIGTERM)')
    .option('--task-queue <name>', 'task queue to poll', 'proxysweep')
    .option('--slots <n>', 'cells at once in this process', positiveInt, 1)
    .option('--gpus <list>', 'start one worker per GPU, e.g. 0,1,2,3 (sets CUDA_VISIBLE_DEVICES)')
    .addOption(backendOption())
    .option('--dataset-dir <dir>', 'directory of downloaded datasets (PROXYSWEEP_DATASET_DIR, default ./.data)')
    .option('--no-workflows', 'run activities only (workflow tasks go to other workers)')
    .option('--no-activities', 'run workflow tasks only, no cells (a small CPU worker beside GPU workers)')
    .addOption(
      new Option('--db-pool <n>', 'PostgreSQL connections per worker process (budget: processes × n < max_connections)')
        .env('PROXYSWEEP_DB_POOL')
        .argParser(positiveInt),
    )
    .addOption(
      new Option('--db-timeout <seconds>', 'a database query (or connecting) that takes longer fails (default 20)')
        .env('PROXYSWEEP_DB_TIMEOUT')
        .argParser(positiveInt),
    )
    .addOption(new Option('--exit-with-parent').hideHelp())
    .action(async (o, cmd: Command) => {
      const { workerCommand } = await import('./commands/worker.js');
      await workerCommand({ ...cmd.optsWithGlobals(), ...o });
    });

  program
    .command('doctor')
    .description(
      'check that this node can run workers: Node, compute backend, GPUs, CUDA, datasets, PostgreSQL, Temporal',
    )
    .addOption(backendOption())
    .option('--gpus <list>', "the GPUs this node's worker will use, e.g. 0,1,2,3 (each must be visible)")
    .option('--workers <n>', 'worker processes this node will run (default: one per --gpus entry, else 1)', positiveInt)
    .option('--dataset <name>', "check this dataset's files and SHA-256 (repeatable, or a comma list)", collect, [])
    .option('--spec <file>', 'check every dataset the spec uses, and its task queue')
    .option('--dataset-dir <dir>', 'directory of downloaded datasets (PROXYSWEEP_DATASET_DIR, default ./.data)')
    .option('--task-queue <name>', "task queue whose pollers to look for (default: the spec's, else proxysweep)")
    .addHelpText(
      'after',
      '\nExit status: 0 when no check failed (warnings allowed), 2 otherwise.\nExamples:\n  proxysweep doctor\n  proxysweep doctor --gpus 0,1,2,3 --backend tensorflow-gpu --dataset cifar10\n  proxysweep doctor --spec examples/paper-training.yaml --json',
    )
    .action(async (o, cmd: Command) => {
      const { doctorCommand } = await import('./commands/doctor.js');
      await doctorCommand({ ...cmd.optsWithGlobals(), ...o }, out(cmd));
    });

  program
    .command('workers')
    .description("live workers (host, pid, backend, GPU, slots, cell and epoch, heartbeat age) and Temporal's pollers")
    .option('--task-queue <name>', 'only workers of this task queue (and its pollers even with no worker row)')
    .option('--all', 'include stopped workers', false)
    .option(
      '--stale-after <seconds>',
      'flag a worker whose last heartbeat is older (it beats every 10 s)',
      positiveInt,
      30,
    )
    .addHelpText('after', '\nExample:\n  proxysweep workers --task-queue gpu-a100')
    .action(async (o: { taskQueue?: string; all: boolean; staleAfter: number }, cmd: Command) => {
      const { workersCommand } = await import('./commands/workers.js');
      await workersCommand({ ...globals(cmd), ...o }, out(cmd));
    });

  const dashboards = program
    .command('dashboards')
    .description('Grafana dashboards as code: generate the JSON, push it to a Grafana');
  dashboards
    .command('build')
    .description('write the dashboard JSON (default: dashboards/generated/, which Grafana provisioning reads)')
    .option('--out <dir>', 'directory to write <uid>.json files to')
    .action(async (o: { out?: string }, cmd: Command) => {
      const { dashboardsBuildCommand } = await import('./commands/dashboards.js');
      await dashboardsBuildCommand(o, out(cmd));
    });
  dashboards
    .command('push')
    .description('create or update the dashboards in a Grafana through its HTTP API (token from GRAFANA_TOKEN)')
    .requiredOption('--url <url>', "Grafana's root URL, e.g. http://localhost:3000")
    .option('--folder <name>', 'folder to put them in (found by title, else created)', 'ProxySweep')
    .option(
      '--with-datasource',
      'also create or update the PostgreSQL data source (Admin role; from PROXYSWEEP_PG_URL or PROXYSWEEP_PG_HOST/_DATABASE/_USER/_PASSWORD/_SSLMODE)',
      false,
    )
    .addHelpText(
      'after',
      '\nExample:\n  GRAFANA_TOKEN=glsa_... proxysweep dashboards push --url http://localhost:3000 --with-datasource',
    )
    .action(async (o: { url: string; folder?: string; withDatasource?: boolean }, cmd: Command) => {
      const { dashboardsPushCommand } = await import('./commands/dashboards.js');
      await dashboardsPushCommand(o, out(cmd));
    });

  const services = program
    .command('services')
    .description('embedded PostgreSQL + Temporal dev server for this machine');
  services
    .command('up')
    .description('start them (data persists under --data-dir) and print how other terminals connect')
    .option('--no-ui', 'do not serve the Temporal web UI')
    .option('--listen <addr>', 'address to serve other hosts on (0.0.0.0: every interface; default 127.0.0.1)')
    .addOption(
      new Option(
        '--temporal <kind>',
        'dev: the CLI dev server (SQLite; default); server: the production server on PostgreSQL',
      ).choices(['dev', 'server']),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  proxysweep services up\n  proxysweep services up --listen 10.0.0.5 --temporal server',
    )
    .action(async (o: { ui: boolean; listen?: string; temporal?: 'dev' | 'server' }, cmd: Command) => {
      const { servicesUpCommand } = await import('./commands/services.js');
      await servicesUpCommand({ ...globals(cmd), ui: o.ui, listen: o.listen, temporal: o.temporal }, out(cmd));
    });
  services
    .command('down')
    .description('stop them (data is kept)')
    .action(async (_o, cmd: Command) => {
      const { servicesDownCommand } = await import('./commands/services.js');
      await servicesDownCommand(globals(cmd), out(cmd));
    });

  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('apply pending schema migrations')
    .action(async (_o, cmd: Command) => {
      const { dbMigrateCommand } = await import('./commands/db.js');
      await dbMigrateCommand(globals(cmd), out(cmd));
    });
  db.command('gc')
    .description('delete checkpoints nothing needs any more (succeeded cells of sweeps that do not keep them)')
    .action(async (_o, cmd: Command) => {
      const { dbGcCommand } = await import('./commands/db.js');
      await dbGcCommand(globals(cmd), out(cmd));
    });

  const data = program.command('data').description('datasets');
  data
    .command('list')
    .description('datasets the engine knows')
    .action(async (_o, cmd: Command) => {
      const { dataListCommand } = await import('./commands/data.js');
      await dataListCommand(out(cmd));
    });
  data
    .command('fetch')
    .description('download and verify (SHA-256) a dataset: mnist, fashion-mnist, cifar10, cifar100')
    .argument('<name>', 'dataset name')
    .option('--dataset-dir <dir>', 'target directory (PROXYSWEEP_DATASET_DIR, default ./.data)')
    .action(async (name: string, o: { datasetDir?: string }, cmd: Command) => {
      const { dataFetchCommand } = await import('./commands/data.js');
      await dataFetchCommand(name, o, out(cmd));
    });

  program
    .command('setup')
    .description('install optional components')
    .command('native')
    .description(
      "build the native TensorFlow backend (tfjs-node on PyPI's TensorFlow 2.21 C library) into .tools/native/; ~274 MB download",
    )
    .option('--gpu', 'the CUDA 12 build (TensorFlow + NVIDIA wheels, ~2.5 GB download) for GPU nodes', false)
    .option('--force', 'rebuild even if a matching install passes its smoke test', false)
    .addHelpText(
      'after',
      '\nExamples:\n  proxysweep setup native\n  proxysweep setup native --gpu   # on each GPU node',
    )
    .action(async (o: { gpu: boolean; force: boolean }, cmd: Command) => {
      const { setupNativeCommand } = await import('./commands/setup.js');
      await setupNativeCommand(o, out(cmd));
    });

  return program;
}

function backendOption(): Option {
  return new Option('--backend <name>', 'compute backend')
    .choices(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
    .env('PROXYSWEEP_BACKEND')
    .default('auto');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}
