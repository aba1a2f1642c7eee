import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../errors';
import type { PinnedWheel } from './versions';

/** The wheel file name prefix pip uses for a distribution (PEP 427: dashes become underscores). */
const filePrefix = (w: PinnedWheel) => `${w.name.replace(/-/g, '_')}-${w.version}-`;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The cached file of `wheel` whose hash matches its pin, if there is one. */
async function cached(wheel: PinnedWheel, cacheDir: string): Promise<string | undefined> {
  let names: string[];
  try {
    names = readdirSync(cacheDir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((n) => n.startsWith(filePrefix(wheel)) && n.endsWith('.whl'))) {
    if ((await sha256File(join(cacheDir, name))) === wheel.sha256) return join(cacheDir, name);
  }
  return undefined;
}

export interface FetchedWheels {
  /** Path of each pinned wheel, in pin order. */
  files: string[];
  /** Bytes downloaded by this call (0 when all came from the cache). */
  downloaded: number;
}

/**
 * Makes every pinned wheel present in `cacheDir`, downloading the missing ones with pip (`--require-hashes`, so a
 * file that does not match its SHA-256 pin is refused). The wheels' Python code is never run or imported: only
 * their shared libraries are used, so one cp311 build serves any local Python. Downloads land in a temporary
 * directory first; the cache only ever holds complete, verified files.
 */
export async function fetchWheels(
  python: string,
  wheels: PinnedWheel[],
  cacheDir: string,
  log: (msg: string) => void,
): Promise<FetchedWheels> {
  mkdirSync(cacheDir, { recursive: true });
  const have = await Promise.all(wheels.map((w) => cached(w, cacheDir)));
  const missing = wheels.filter((_, i) => have[i] === undefined);
  if (missing.length === 0) return { files: have as string[], downloaded: 0 };
  const bytes = missing.reduce((sum, w) => sum + w.size, 0);
  log(`downloading ${missing.map((w) => `${w.name}==${w.version}`).join(', ')} from PyPI (${mb(bytes)})`);
  const tmp = mkdtempSync(join(cacheDir, '.download-'));
  try {
    const requirements = join(tmp, 'requirements.txt');
    writeFileSync(requirements, missing.map((w) => `${w.name}==${w.version} --hash=sha256:${w.sha256}\n`).join(''));
    const r = spawnSync(
      python,
      [
        '-m',
        'pip',
        'download',
        '--quiet',
        '--disable-pip-version-check',
        '--no-deps',
        '--only-binary=:all:',
        '--require-hashes',
        '--python-version',
        '3.11',
        ...['manylinux_2_27_x86_64', 'manylinux_2_17_x86_64', 'manylinux2014_x86_64'].flatMap((p) => ['--platform', p]),
        '--dest',
        tmp,
        '--requirement',
        requirements,
      ],
      { encoding: 'utf8', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
    );
    if (r.status !== 0) {
      const why = (r.stderr || r.stdout || r.error?.message || '').trim().split('\n').pop();
      throw new UserError(
        `pip could not download the TensorFlow wheels (${why}): check that PyPI is reachable (pip config, PIP_INDEX_URL, HTTPS_PROXY), or put the pinned wheels into ${cacheDir}`,
      );
    }
    for (const name of readdirSync(tmp).filter((n) => n.endsWith('.whl')))
      renameSync(join(tmp, name), join(cacheDir, name));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const files = await Promise.all(wheels.map((w) => cached(w, cacheDir)));
  const lost = wheels.filter((_, i) => files[i] === undefined);
  if (lost.length) throw new Error(`pip reported success but ${lost.map((w) => w.name).join(', ')} is missing`);
  return { files: files as string[], downloaded: bytes };
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

// Selective unpacking with Python's zipfile (pip's Python is there anyway), keeping file modes (ptxas must stay
// executable). Prints the number of files unpacked.
const UNZIP = `
import os, sys, zipfile
wheel, dest, prefixes = sys.argv[1], sys.argv[2], sys.argv[3:]
n = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.is_dir() or not any(info.filename.startswith(p) for p in prefixes):
            continue
        path = z.extract(info, dest)
        mode = (info.external_attr >> 16) & 0o777
        if mode:
            os.chmod(path, mode)
        n += 1
print(n)
`;

/** Unpacks the members of `wheel` under the given path prefixes into `dest`; returns how many files. */
export function extractWheel(python: string, wheel: string, prefixes: string[], dest: string): number {
  const r = spawnSync(python, ['-c', UNZIP, wheel, dest, ...prefixes], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new UserError(
      `could not unpack ${wheel} (${(r.stderr || '').trim().split('\n').pop()}): free disk space or delete it to download again`,
    );
  }
  const n = Number(r.stdout.trim());
  if (!(n > 0)) throw new Error(`${wheel} holds none of ${prefixes.join(', ')}`);
  return n;
}
