import { hostname } from 'node:os';
import { resolveTargets, type ServiceTargets } from '../config';
import type { BackendName } from '../engine/backend';
import { fail, firstLine, type CheckResult } from './check';
import { checkBackend } from './backend';
import { checkCudaLibraries, cudaLibraryDirs, findCudaLibraries } from './cuda-libraries';
import { checkDataset, noDatasetNamed } from './datasets';
import { checkGpus, listGpus } from './gpus';
import { checkNode } from './node-version';
import { checkPostgres, connectionsPerWorker } from './postgres';
import { checkTemporal } from './temporal';

export type { CheckResult, CheckStatus } from './check';

export interface DoctorOptions {
  /** Where `services up` state lives (used when DATABASE_URL / TEMPORAL_ADDRESS are unset). */
  dataDir: string;
  backend: BackendName | 'auto';
  /** GPU indices the node's worker will use (`--gpus`): each must be visible. */
  gpus?: number[];
  /** Worker processes this node will run (default: one per `--gpus` entry, else one). */
  workers?: number;
  datasets: string[];
  datasetDir: string;
  taskQueue: string;
}

export interface DoctorReport {
  host: string;
  /** True when no check failed (warnings allowed). */
  ok: boolean;
  counts: { pass: number; warn: number; fail: number };
  checks: CheckResult[];
}

/**
 * Checks that this node can run proxysweep workers: Node, the compute backend (and why not a faster one), GPUs,
 * CUDA libraries, the named datasets, PostgreSQL and Temporal. Never throws for what it finds: every problem is
 * a failed check naming its fix.
 */
export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const checks: CheckResult[] = [checkNode()];
  const gpuListing = listGpus();
  const expectGpu = opts.backend === 'tensorflow-gpu' || (opts.gpus?.length ?? 0) > 0;
  const backend = await checkBackend(opts.backend, gpuListing.gpus.length > 0);
  checks.push(backend.check, checkGpus(gpuListing, expectGpu));
  for (const index of opts.gpus ?? []) {
    if (gpuListing.gpus.length > 0 && !gpuListing.gpus.some((g) => g.index === index)) {
      checks.push(
        fail(
          `gpu ${index}`,
          `GPU ${index} is not visible (${gpuListing.source})`,
          'fix --gpus, or CUDA_VISIBLE_DEVICES',
        ),
      );
    }
  }
  checks.push(
    checkCudaLibraries(findCudaLibraries(cudaLibraryDirs()), {
      gpuVisible: gpuListing.gpus.length > 0,
      gpuBackendWorks: backend.info?.name === 'tensorflow-gpu',
    }),
  );
  if (opts.datasets.length === 0) checks.push(noDatasetNamed());
  for (const name of [...new Set(opts.datasets)])
    checks.push(await guard(`dataset ${name}`, () => checkDataset(name, opts.datasetDir)));

  let targets: ServiceTargets | undefined;
  try {
    targets = resolveTargets(opts.dataDir);
  } catch (err) {
    // resolveTargets says what is missing, then how to fix it.
    const [what, how] = firstLine(err).split(/: (?=set )/);
    checks.push(fail('services', `${what}: PostgreSQL and Temporal not checked`, how));
  }
  if (targets) {
    const workers = opts.workers ?? Math.max(1, opts.gpus?.length ?? 0);
    checks.push(
      ...(await guardAll('postgres', () =>
        checkPostgres(targets.databaseUrl, { workers, connectionsPerWorker: connectionsPerWorker() }),
      )),
    );
    checks.push(...(await guardAll('temporal', () => checkTemporal(targets.temporal, opts.taskQueue))));
  }
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status]++;
  return { host: hostname(), ok: counts.fail === 0, counts, checks };
}

/** A check that throws (a bug, or a permission the query lacks) fails, instead of ending the report. */
async function guard(name: string, run: () => Promise<CheckResult>): Promise<CheckResult> {
  return (await guardAll(name, async () => [await run()]))[0];
}

async function guardAll(name: string, run: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await run();
  } catch (err) {
    return [fail(name, `the check itself failed: ${firstLine(err)}`)];
  }
}
