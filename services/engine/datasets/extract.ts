/**
 * Unpacks verified archives next to themselves. Output appears only complete: gunzip writes a temp file and
 * renames it, untar unpacks into a temp folder and renames the dataset folder into place.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { FormatError } from './messages';
import { tempName } from './temp';

/** gunzip `archive` to `dest` atomically. */
export async function gunzipTo(archive: string, dest: string): Promise<void> {
  const tmp = tempName(dest);
  try {
    await pipeline(createReadStream(archive), createGunzip(), createWriteStream(tmp));
    await fs.rename(tmp, dest);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new FormatError(`not a valid gzip file: ${(err as Error).message}`);
    }
    throw err;
  }
}

/**
 * Untar `archive` (gzip detected automatically) into `parent`, replacing `parent/dir`. Throws FormatError when
 * the archive does not contain `dir/<each of files>`.
 */
export async function untarFolder(archive: string, parent: string, dir: string, files: string[]): Promise<void> {
  const tmp = await fs.mkdtemp(join(parent, '.extract-'));
  try {
    try {
      // node-tar strips absolute paths and `..` by default, so the archive cannot write outside `tmp`.
      await tar.x({ file: archive, cwd: tmp, strict: true });
    } catch (err) {
      throw new FormatError(`cannot unpack: ${(err as Error).message}`);
    }
    const missing = [];
    for (const f of files) {
      if (!(await isFile(join(tmp, dir, f)))) missing.push(`${dir}/${f}`);
    }
    if (missing.length > 0) throw new FormatError(`archive lacks ${missing.join(', ')}`);
    await fs.rm(join(parent, dir), { recursive: true, force: true });
    await fs.rename(join(tmp, dir), join(parent, dir));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await fs.stat(path)).isFile();
  } catch {
    return false;
  }
}
