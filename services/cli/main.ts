import { CommanderError } from 'commander';
import { ProxysweepError, UserError } from '../errors';
import { buildProgram } from './program';

/**
 * The one exit point of the CLI. User errors (bad spec, unreachable service, unknown id) print one line and
 * exit 2; a sweep that ends without succeeding exits 1 with its cause; anything else is a bug: stack, exit 1.
 */
export async function main(argv: string[]): Promise<void> {
  // Output piped into `head` and the like: a closed pipe just means nobody reads any more.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
    process.exitCode = process.exitCode ?? 0;
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has printed its message already; usage errors are user errors.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof UserError) {
    process.stderr.write(`proxysweep: error: ${err.message}\n`);
    return 2;
  }
  if (err instanceof ProxysweepError) {
    process.stderr.write(`proxysweep: ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(
    `proxysweep: internal error (please report it with the output below)\n${(err as Error)?.stack ?? String(err)}\n`,
  );
  return 1;
}
