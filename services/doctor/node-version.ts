import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths';
import { fail, pass, type CheckResult } from './check';

/** The minimum Node version package.json's `engines` asks for (a `>=X.Y[.Z]` range). */
export function requiredNode(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { engines?: { node?: string } };
  return /(\d+(?:\.\d+){0,2})/.exec(pkg.engines?.node ?? '')?.[1] ?? '0';
}

/** Compares dotted versions numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function checkNode(version = process.versions.node): CheckResult {
  const need = requiredNode();
  return compareVersions(version, need) >= 0
    ? pass('node', `Node ${version} (needs >= ${need})`, { version, required: need })
    : fail(
        'node',
        `Node ${version} is older than the ${need} proxysweep needs`,
        `install Node ${need} or newer (20 LTS)`,
        {
          version,
          required: need,
        },
      );
}
