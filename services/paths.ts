import { resolve } from 'node:path';
import { existsSync } from 'node:fs';

/** Root of the proxysweep package (where package.json is), for tools and the compiled workflow bundle. */
export function packageRoot(): string {
  // Compiled files live in dist/services/, sources in services/: walk up to package.json.
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (existsSync(resolve(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  return process.cwd();
}

/** Where embedded services keep their data: --data-dir, PROXYSWEEP_HOME, or ./.proxysweep. */
export function resolveDataDir(flag?: string): string {
  return resolve(flag ?? process.env.PROXYSWEEP_HOME ?? '.proxysweep');
}
