import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../../errors';
import { MIN_GLIBC, TFJS_NODE_VERSION, WHEELS, type NativeVariant } from './versions';

/** What the build needs, found on this machine. */
export interface Toolchain {
  python: string;
  cxx: string;
  /** Directory holding node_api.h. */
  napiInclude: string;
  /** The installed @tensorflow/tfjs-node package (its binding/ sources are compiled). */
  tfjsNodeDir: string;
}

/**
 * Checks everything `setup native` needs before it downloads anything, failing with one UserError per problem
 * that names the fix: platform, glibc, free disk, pip, a C++ compiler, Node-API headers, the tfjs-node package.
 */
export function preflight(variant: NativeVariant, root: string): Toolchain {
  checkPlatform(process.platform, process.arch);
  checkGlibc(glibcVersion());
  checkDisk(root, variant);
  return { python: findPython(), cxx: findCompiler(), napiInclude: findNodeApiHeaders(), tfjsNodeDir: findTfjsNode() };
}

export function checkPlatform(platform: string, arch: string): void {
  if (platform !== 'linux' || arch !== 'x64') {
    throw new UserError(
      `setup native builds on Linux x86-64 only (PyPI's manylinux TensorFlow wheels), not ${platform}/${arch}: ` +
        "use the wasm backend, or the stock `@tensorflow/tfjs-node` where Google's storage is reachable",
    );
  }
}

/** The C library version this Node runs on, as the process report states it (undefined: not glibc). */
export function glibcVersion(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}

export function checkGlibc(version: string | undefined): void {
  if (version === undefined) {
    throw new UserError(
      `no glibc found (musl/Alpine?): TensorFlow's wheels need glibc ≥ ${MIN_GLIBC}; use a glibc image (e.g. node:20-bookworm) or the wasm backend`,
    );
  }
  if (compareVersions(version, MIN_GLIBC) < 0) {
    throw new UserError(
      `glibc ${version} is older than ${MIN_GLIBC}, which TensorFlow's manylinux_2_27 wheels need: use a newer distribution (Debian 10+, Ubuntu 18.04+, RHEL 8+) or the wasm backend`,
    );
  }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Wheels (kept as a cache) plus what is unpacked from them, with room for the staging copy. */
export function requiredBytes(variant: NativeVariant): number {
  const download = WHEELS[variant].reduce((sum, w) => sum + w.size, 0);
  return Math.round(download * (variant === 'gpu' ? 3 : 4.5));
}

function checkDisk(root: string, variant: NativeVariant): void {
  mkdirSync(root, { recursive: true });
  const fs = statfsSync(root);
  const free = fs.bavail * fs.bsize;
  const need = requiredBytes(variant);
  if (free < need) {
    throw new UserError(
      `${gb(free)} free under ${root}, setup native --${variant} needs about ${gb(need)}: free some space or set PROXYSWEEP_NATIVE_DIR to a larger disk`,
    );
  }
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;

function runs(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function findPython(): string {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', 'python'];
  const python = candidates.find((p) => runs(p, ['--version']));
  if (!python) {
    throw new UserError(
      `no Python found (tried ${candidates.join(', ')}); pip fetches the TensorFlow wheels: install python3 and pip (apt-get install python3-pip) or set PYTHON`,
    );
  }
  if (!runs(python, ['-m', 'pip', '--version'])) {
    throw new UserError(
      `${python} has no pip, which fetches the TensorFlow wheels: install it (apt-get install python3-pip, or ${python} -m ensurepip)`,
    );
  }
  return python;
}

function findCompiler(): string {
  const candidates = process.env.CXX ? [process.env.CXX] : ['g++', 'c++', 'clang++'];
  const cxx = candidates.find((c) => runs(c, ['--version']));
  if (!cxx) {
    throw new UserError(
      `no C++ compiler found (tried ${candidates.join(', ')}) to build the binding: install g++ (apt-get install g++) or set CXX`,
    );
  }
  return cxx;
}

/** node_api.h from the pinned `node-api-headers` package, else from this Node's own include directory. */
export function findNodeApiHeaders(): string {
  const candidates: string[] = [];
  try {
    candidates.push(join(dirname(require.resolve('node-api-headers/package.json')), 'include'));
  } catch {
    // optional dependency not installed
  }
  candidates.push(join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node');
  const found = candidates.find((dir) => existsSync(join(dir, 'node_api.h')));
  if (!found) {
    throw new UserError(
      "Node-API headers (node_api.h) not found: run `npm ci` (installs the node-api-headers package) or install your Node distribution's headers (e.g. the nodejs or libnode-dev package)",
    );
  }
  return found;
}

function findTfjsNode(): string {
  let dir: string;
  try {
    dir = dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    throw new UserError(
      `@tensorflow/tfjs-node is not installed (npm older than 11.16 runs its install script, which needs Google's storage, and drops it): run \`npm install --no-save --ignore-scripts @tensorflow/tfjs-node@${TFJS_NODE_VERSION}\``,
    );
  }
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  if (version !== TFJS_NODE_VERSION || !existsSync(join(dir, 'binding', 'tfjs_backend.cc'))) {
    throw new UserError(
      `@tensorflow/tfjs-node ${version} is installed, setup native builds the binding of ${TFJS_NODE_VERSION}: run \`npm ci\``,
    );
  }
  return dir;
}
