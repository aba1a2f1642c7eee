import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../services/errors';
import { nativeThreadEnv, setupNative, WHEELS } from '../../services/engine/native';
import { nativeRoot, wheelCacheDir } from '../../services/engine/native/layout';
import { checkGlibc, checkPlatform, compareVersions } from '../../services/engine/native/preflight';
import { fetchWheels } from '../../services/engine/native/wheels';

describe('setup native: preflight', () => {
  test('glibc older than the wheels need, or no glibc at all, is a user error naming the fix', () => {
    assert.throws(
      () => checkGlibc('2.17'),
      (e) => e instanceof UserError && /glibc 2\.17 is older than 2\.27/.test(e.message),
    );
    assert.throws(
      () => checkGlibc(undefined),
      (e) => e instanceof UserError && /musl\/Alpine.*glibc image/.test(e.message),
    );
    checkGlibc('2.27');
    checkGlibc('2.36');
  });

  test('only Linux x86-64 (the manylinux wheels)', () => {
    assert.throws(
      () => checkPlatform('darwin', 'arm64'),
      (e) => e instanceof UserError && /darwin\/arm64.*wasm/.test(e.message),
    );
    assert.throws(() => checkPlatform('linux', 'arm64'), UserError);
    checkPlatform('linux', 'x64');
  });

  test('versions compare numerically', () => {
    assert.equal(compareVersions('2.9', '2.27'), -1);
    assert.equal(compareVersions('2.27', '2.27.0'), 0);
    assert.equal(compareVersions('2.36', '2.27'), 1);
  });
});

describe('native threads', () => {
  test('each of N processes gets cores/N intra-op threads and one inter-op thread; set variables win', () => {
    assert.deepEqual(nativeThreadEnv(2, 2, {}), { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' });
    assert.deepEqual(nativeThreadEnv(1, 8, {}), { TF_NUM_INTRAOP_THREADS: '8', TF_NUM_INTEROP_THREADS: '1' });
    assert.deepEqual(nativeThreadEnv(3, 2, {}), { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1' });
    assert.deepEqual(nativeThreadEnv(2, 2, { TF_NUM_INTRAOP_THREADS: '4' }), { TF_NUM_INTEROP_THREADS: '1' });
  });
});

describe('setup native: wheel cache', () => {
  let cache: string;
  before(() => {
    cache = mkdtempSync(join(tmpdir(), 'ps-wheels-'));
  });
  after(() => rmSync(cache, { recursive: true, force: true }));

  const fakeWheel = (content: string) => ({
    name: 'fake-pkg',
    version: '1.0',
    sha256: createHash('sha256').update(content).digest('hex'),
    size: content.length,
    extract: ['fake/'],
  });

  test('a cached wheel whose SHA-256 matches its pin is used without pip', async () => {
    writeFileSync(join(cache, 'fake_pkg-1.0-py3-none-any.whl'), 'good');
    const r = await fetchWheels('/nonexistent/python', [fakeWheel('good')], cache, () => undefined);
    assert.deepEqual(r, { files: [join(cache, 'fake_pkg-1.0-py3-none-any.whl')], downloaded: 0 });
  });

  test('a cached file that does not match is not trusted: pip is asked, and its failure is one clear error', async () => {
    writeFileSync(join(cache, 'fake_pkg-1.0-py3-none-any.whl'), 'tampered');
    await assert.rejects(
      fetchWheels('/nonexistent/python', [fakeWheel('good')], cache, () => undefined),
      (e) =>
        e instanceof UserError && /pip could not download the TensorFlow wheels .*PyPI is reachable/.test(e.message),
    );
    assert.deepEqual(readdirSync(cache), ['fake_pkg-1.0-py3-none-any.whl'], 'no download directory left behind');
  });
});

/**
 * Full builds in a scratch root, from the wheel that `setup native` cached in this checkout (no download here:
 * hard-linked, or copied across file systems). Where it has never run, these skip.
 */
describe('setup native: building', () => {
  const wheel = WHEELS.cpu[0];
  const cachedWheel = (() => {
    try {
      return readdirSync(wheelCacheDir(nativeRoot())).find((n) => n.startsWith(`tensorflow_cpu-${wheel.version}-`));
    } catch {
      return undefined;
    }
  })();
  const skip = cachedWheel ? false : 'skipped: no cached tensorflow-cpu wheel (run `proxysweep setup native` once)';
  const saved = { dir: process.env.PROXYSWEEP_NATIVE_DIR, cxx: process.env.CXX };
  let root: string;
  let bin: string;

  before(() => {
    if (skip) return;
    root = mkdtempSync(join(tmpdir(), 'ps-native-'));
    mkdirSync(wheelCacheDir(root));
    const from = join(wheelCacheDir(nativeRoot()), cachedWheel!);
    const to = join(wheelCacheDir(root), cachedWheel!);
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
    bin = mkdtempSync(join(tmpdir(), 'ps-bin-'));
    process.env.PROXYSWEEP_NATIVE_DIR = root;
  });
  after(() => {
    process.env.PROXYSWEEP_NATIVE_DIR = saved.dir;
    process.env.CXX = saved.cxx;
    if (saved.dir === undefined) delete process.env.PROXYSWEEP_NATIVE_DIR;
    if (saved.cxx === undefined) delete process.env.CXX;
    if (root) rmSync(root, { recursive: true, force: true });
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  /** A compiler that answers --version but fails to compile, like a broken toolchain. */
  const brokenCompiler = () => {
    const path = join(bin, 'broken-c++');
    writeFileSync(path, '#!/bin/sh\n[ "$1" = --version ] && exit 0\necho "fatal error: simulated" >&2\nexit 1\n');
    chmodSync(path, 0o755);
    return path;
  };
  const leftovers = () => readdirSync(root).filter((n) => n !== 'wheels');

  test('no compiler: fails before unpacking anything, naming g++', { skip }, async () => {
    process.env.CXX = join(bin, 'no-such-compiler');
    await assert.rejects(
      setupNative(),
      (e) => e instanceof UserError && /no C\+\+ compiler found .*install g\+\+/.test(e.message),
    );
    assert.deepEqual(leftovers(), []);
  });

  test('a failed build leaves nothing half-installed, and an earlier install as it was', { skip }, async () => {
    // A stand-in for an earlier install: it must survive a failed rebuild untouched, and stay active.
    mkdirSync(join(root, 'cpu'));
    writeFileSync(join(root, 'cpu', 'tfjs_binding.node'), 'earlier build');
    writeFileSync(join(root, 'active'), 'cpu\n');
    process.env.CXX = brokenCompiler();
    await assert.rejects(
      setupNative({ force: true }),
      (e) => e instanceof UserError && /did not compile .*simulated/.test(e.message),
    );
    assert.deepEqual(leftovers().sort(), ['active', 'cpu'], 'no staging directory');
    assert.equal(readFileSync(join(root, 'cpu', 'tfjs_binding.node'), 'utf8'), 'earlier build');
    rmSync(join(root, 'cpu'), { recursive: true });
    rmSync(join(root, 'active'));
  });

  test('builds, smoke-tests and activates; a second run keeps the install', { skip }, async () => {
    delete process.env.CXX;
    const first = await setupNative();
    assert.equal(first.action, 'installed');
    assert.equal(first.downloadedBytes, 0, 'the wheel came from the cache');
    assert.equal(first.smoke.backend, 'tensorflow');
    assert.equal(first.smoke.tfVersion, wheel.version);
    assert.deepEqual(leftovers().sort(), ['active', 'cpu']);
    assert.equal(readFileSync(join(root, 'active'), 'utf8').trim(), 'cpu');
    assert.ok(existsSync(join(root, 'cpu', 'tensorflow', 'libtensorflow_cc.so.2')));
    assert.ok(!existsSync(join(root, 'cpu', 'tensorflow', 'include')), 'build-time headers removed');
    const second = await setupNative();
    assert.equal(second.action, 'already-installed');
    assert.ok(second.seconds.total < first.seconds.total);
  });
});
