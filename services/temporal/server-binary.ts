import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import { packageRoot } from '../paths';
import { isExecutable } from './cli-binary';

/** The production Temporal server the project builds (v1.32.2 needs Go 1.26.10). */
export const TEMPORAL_SERVER_VERSION = '1.32.1';
/** The Go toolchain the pinned server's go.mod asks for. */
export const GO_NEEDED = '1.26.8';
const MODULE = 'go.temporal.io/server';

export interface TemporalServerBinaries {
  /** `temporal-server`: all four services in one process. */
  server: string;
  /** `temporal-sql-tool`: creates and migrates the server's PostgreSQL schemas (SQL embedded in it). */
  sqlTool: string;
}

/** Where the pinned build lives: one directory per version under the project's tool dir. */
export function serverToolDir(): string {
  return join(packageRoot(), '.tools', 'temporal-server', `v${TEMPORAL_SERVER_VERSION}`);
}

/** The Go module and build caches (≈3.4 GB), under the tool dir so they stay out of the home directory. */
export function goCacheDir(): string {
  return join(packageRoot(), '.tools', 'go');
}

/** The environment of a static Go build on the installed toolchain, with the caches in {@link goCacheDir}. */
export function goBuildEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const cache = goCacheDir();
  return {
    ...process.env,
    CGO_ENABLED: '0',
    GOTOOLCHAIN: 'local',
    // Writable module cache: `rm -rf .tools/go` must work.
    GOFLAGS: '-modcacherw',
    GOMODCACHE: join(cache, 'mod'),
    GOCACHE: join(cache, 'cache'),
    ...extra,
  };
}

export function findTemporalServer(): TemporalServerBinaries | undefined {
  const dir = serverToolDir();
  const found = { server: join(dir, 'temporal-server'), sqlTool: join(dir, 'temporal-sql-tool') };
  return isExecutable(found.server) && isExecutable(found.sqlTool) ? found : undefined;
}

/**
 * Returns the pinned Temporal server, building it first when absent: `go install` of `go.temporal.io/server`
 * from the Go module proxy (about 4 minutes on 2 cores, once per checkout), statically linked and stripped.
 * Concurrent builds are safe: each builds in its own directory and the first to finish is kept.
 */
export async function ensureTemporalServer(
  log: (msg: string) => void = () => undefined,
): Promise<TemporalServerBinaries> {
  const found = findTemporalServer();
  if (found) return found;
  checkGo();
  const target = serverToolDir();
  const parent = join(target, '..');
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, '.build-'));
  log(
    `building the Temporal server v${TEMPORAL_SERVER_VERSION} from the Go module ${MODULE} into ${target} (once; about 4 minutes on 2 cores)`,
  );
  try {
    // prettier-ignore
    const args = [
      'install', '-trimpath', '-ldflags=-s -w', '-tags', 'disable_grpc_modules',
      `${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`,
    ];
    const { code, tail } = await runGo(args, goBuildEnv({ GOBIN: staging }));
    if (code !== 0) {
      throw new UserError(
        `building the Temporal server v${TEMPORAL_SERVER_VERSION} failed (${tail}); it needs Go >= ${GO_NEEDED} and the Go module proxy, or use \`--temporal dev\``,
      );
    }
    renameSync(join(staging, 'server'), join(staging, 'temporal-server'));
    renameSync(join(staging, 'sql'), join(staging, 'temporal-sql-tool'));
    if (!existsSync(target)) renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const built = findTemporalServer();
  if (!built) throw new UserError(`the Temporal server build left no binaries in ${target}; remove it and retry`);
  return built;
}

function checkGo(): void {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new UserError(
      `the production Temporal server is built from the Go module ${MODULE}@v${TEMPORAL_SERVER_VERSION} and needs Go >= ${GO_NEEDED}, which is not installed (go not on PATH); install Go, or use \`--temporal dev\``,
    );
  }
  const v = /go(\d+)\.(\d+)(?:\.(\d+))?/
    .exec(r.stdout)
    ?.slice(1)
    .map((n) => Number(n ?? 0));
  const need = GO_NEEDED.split('.').map(Number);
  const older = v && (v[0] - need[0] || v[1] - need[1] || v[2] - need[2]) < 0;
  if (older) {
    throw new UserError(
      `the Temporal server v${TEMPORAL_SERVER_VERSION} needs Go >= ${GO_NEEDED}, this machine has ${r.stdout.trim()}; upgrade Go, or use \`--temporal dev\``,
    );
  }
}

/** Runs `go` with its output kept (not shown: it is long); resolves with the exit code and the last line. */
function runGo(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; tail: string }> {
  return new Promise((resolve) => {
    const child = spawn('go', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => resolve({ code: 1, tail: err.message }));
    child.on('close', (code) =>
      resolve({ code: code ?? 1, tail: out.trim().split('\n').pop()?.slice(0, 300) ?? 'no output' }),
    );
  });
}
