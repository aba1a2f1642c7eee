import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ServiceError } from '../errors';

/** The uid/gid PostgreSQL runs as when proxysweep runs as root. */
export interface PostgresIds {
  uid: number;
  gid: number;
}

/**
 * Where clusters and binaries go (PROXYSWEEP_SHARED_DIR, default /var/lib/proxysweep) when the postgres user cannot reach the user's own directory (root working in
 * /root or a private /workspace, the usual case in GPU containers). World-traversable, owned by root.
 */
export function sharedRoot(): string {
  const root = process.env.PROXYSWEEP_SHARED_DIR ?? '/var/lib/proxysweep';
  mkdirSync(root, { recursive: true });
  chmodSync(root, 0o755);
  return root;
}

/** True when the postgres user can do `test <flag> path` (-w: write into a directory, -x: run a file). */
export function reachable(path: string, flag: '-w' | '-x', ids: PostgresIds): boolean {
  return spawnSync('test', [flag, path], ids).status === 0;
}

/**
 * The directory a cluster for `dir` lives in. `dir` itself when the postgres user can reach it; otherwise a
 * directory of its own under the shared root (the same one for the same `dir`, every time), recorded in
 * `dir/cluster-home` so `services down` and a person looking for the files find it.
 */
export function clusterHome(dir: string, ids: PostgresIds | undefined): string {
  mkdirSync(dir, { recursive: true });
  const pointer = join(dir, 'cluster-home');
  if (existsSync(pointer)) return readFileSync(pointer, 'utf8').trim();
  if (!ids) return dir;
  chownSync(dir, ids.uid, ids.gid);
  if (reachable(dir, '-w', ids)) return dir;
  const home = join(sharedRoot(), 'clusters', createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(join(sharedRoot(), 'clusters'), 0o755);
  chownSync(home, ids.uid, ids.gid);
  if (!reachable(home, '-w', ids)) {
    throw new ServiceError(
      `PostgreSQL runs as user "postgres" when started by root, and that user can reach neither ${dir} nor ${home}; set DATABASE_URL to a PostgreSQL of your own`,
    );
  }
  writeFileSync(pointer, `${home}\n`);
  return home;
}

/**
 * A copy of the PostgreSQL binaries (bin, lib, share) the postgres user can run: `nativeDir` itself when it can,
 * else a copy under the shared root made once per binaries version (copied to a temporary name, then renamed, so an
 * interrupted copy is never used).
 */
export function runnableBinaries(nativeDir: string, version: string, ids: PostgresIds | undefined): string {
  if (!ids || reachable(join(nativeDir, 'bin', 'pg_ctl'), '-x', ids)) return nativeDir;
  const target = join(sharedRoot(), `postgres-${version}`);
  if (existsSync(join(target, 'bin', 'pg_ctl'))) return target;
  const tmp = `${target}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const r = spawnSync('cp', ['-a', nativeDir, tmp], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    throw new ServiceError(`copying the PostgreSQL binaries to ${target} failed: ${(r.stderr || '').trim()}`);
  }
  spawnSync('chmod', ['-R', 'a+rX', tmp]);
  renameSync(tmp, target);
  return target;
}
