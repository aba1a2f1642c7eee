/**
 * `proxysweep data fetch`: downloads a dataset's official archives into `<dataDir>/<name>/`, verifies each
 * against its published SHA-256, and unpacks it where the loader looks. Idempotent: an archive already present
 * with the right hash is not downloaded again, and output already unpacked from it is kept.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { DatasetError } from '../../errors';
import { ChecksumMismatchError, isSha256Hex, verifySha256 } from './checksum';
import { DownloadError, downloadToFile } from './download';
import { gunzipTo, isFile, untarFolder } from './extract';
import { type FileDatasetName } from './layout';
import { corruptFile, errorCode, fetchCommand, FormatError } from './messages';
import { SOURCES, type DownloadSource } from './sources';
import { tempName } from './temp';

export interface FetchOptions {
  dataDir: string;
  /** Progress lines for the user (one per step); silent when omitted. */
  log?: (line: string) => void;
  /** @internal Replaces the built-in URLs and hashes: tests serve small files from a local server. */
  sources?: DownloadSource[];
  /** @internal Abort a download when the connection is silent this long (ms). Default 60 s. */
  idleTimeoutMs?: number;
}

interface FetchContext {
  name: FileDatasetName;
  dataDir: string;
  dir: string;
  sources: DownloadSource[];
  log: (line: string) => void;
  idleTimeoutMs?: number;
}

export async function fetchFiles(name: FileDatasetName, opts: FetchOptions): Promise<{ files: string[] }> {
  const ctx: FetchContext = {
    name,
    dataDir: opts.dataDir,
    dir: join(opts.dataDir, name),
    sources: opts.sources ?? SOURCES[name],
    log: opts.log ?? (() => {}),
    idleTimeoutMs: opts.idleTimeoutMs,
  };
  try {
    await fs.mkdir(ctx.dir, { recursive: true });
  } catch (err) {
    throw new DatasetError(
      `dataset "${name}": cannot create ${ctx.dir} (${errorCode(err)}); pick a writable --data-dir`,
    );
  }
  const files: string[] = [];
  for (const src of ctx.sources) {
    const archive = join(ctx.dir, src.file);
    const fresh = await ensureArchive(ctx, src, archive);
    files.push(...(await ensureUnpacked(ctx, src, archive, fresh)));
  }
  ctx.log(`${name}: ready in ${ctx.dir}`);
  return { files };
}

/** Makes `archive` exist with the published hash; true when it was downloaded just now. */
async function ensureArchive(ctx: FetchContext, src: DownloadSource, archive: string): Promise<boolean> {
  if (!isSha256Hex(src.sha256)) {
    throw new DatasetError(
      `dataset "${ctx.name}": no published SHA-256 is known for ${src.file}, so it cannot be verified; ` +
        `place the files in ${ctx.dir} by hand`,
    );
  }
  if (await isFile(archive)) {
    try {
      await verifySha256(archive, src.sha256);
      ctx.log(`${src.file}: present, SHA-256 verified`);
      return false;
    } catch (err) {
      if (!(err instanceof ChecksumMismatchError)) throw err;
      ctx.log(`${src.file}: present but its SHA-256 is wrong; downloading it again`);
    }
  }
  const tmp = tempName(archive);
  try {
    ctx.log(`${src.file}: downloading ${src.url}${src.bytes ? ` (${megabytes(src.bytes)})` : ''}`);
    await downloadToFile(src.url, tmp, { idleTimeoutMs: ctx.idleTimeoutMs, onProgress: progress(ctx, src) });
    await verifySha256(tmp, src.sha256);
    await fs.rename(tmp, archive);
    ctx.log(`${src.file}: downloaded, SHA-256 verified`);
    return true;
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw explain(ctx, src, err);
  }
}

/** Unpacks `archive` unless its output is already there (always after a fresh download). */
async function ensureUnpacked(
  ctx: FetchContext,
  src: DownloadSource,
  archive: string,
  fresh: boolean,
): Promise<string[]> {
  const ex = src.extract;
  const outputs = ex.kind === 'gunzip' ? [join(ctx.dir, ex.to)] : ex.files.map((f) => join(ctx.dir, ex.dir, f));
  if (!fresh && (await allFiles(outputs))) return outputs;
  ctx.log(`${src.file}: unpacking`);
  try {
    if (ex.kind === 'gunzip') await gunzipTo(archive, outputs[0]);
    else await untarFolder(archive, ctx.dir, ex.dir, ex.files);
  } catch (err) {
    if (err instanceof FormatError) throw corruptFile(ctx.name, ctx.dataDir, archive, err.message);
    throw new DatasetError(`dataset "${ctx.name}": cannot unpack ${archive} into ${ctx.dir} (${errorCode(err)})`);
  }
  return outputs;
}

function explain(ctx: FetchContext, src: DownloadSource, err: unknown): unknown {
  if (err instanceof DownloadError) {
    const names = ctx.sources.map((s) => s.file).join(', ');
    const origins = [...new Set(ctx.sources.map((s) => s.url.slice(0, s.url.lastIndexOf('/') + 1)))].join(' or ');
    return new DatasetError(
      `dataset "${ctx.name}": ${err.message}; download ${names} from ${origins} by hand into ${ctx.dir}, ` +
        `then run \`${fetchCommand(ctx.name, ctx.dataDir)}\` to verify and unpack them`,
    );
  }
  if (err instanceof ChecksumMismatchError) {
    return new DatasetError(
      `dataset "${ctx.name}": the download of ${src.url} has SHA-256 ${err.actual}, expected ${err.expected} ` +
        `(corrupted or altered in transit); nothing was kept, run \`${fetchCommand(ctx.name, ctx.dataDir)}\` again`,
    );
  }
  if (err instanceof DatasetError) return err;
  return new DatasetError(`dataset "${ctx.name}": cannot write ${src.file} in ${ctx.dir} (${errorCode(err)})`);
}

/** Logs each quarter of a large download. */
function progress(ctx: FetchContext, src: DownloadSource): (received: number, total: number | undefined) => void {
  let shown = 0;
  return (received, total) => {
    const size = total ?? src.bytes;
    if (!size || size < 8_000_000) return;
    const quarter = Math.floor((received / size) * 4);
    if (quarter > shown && quarter < 4) {
      shown = quarter;
      ctx.log(`${src.file}: ${quarter * 25}% of ${megabytes(size)}`);
    }
  };
}

async function allFiles(paths: string[]): Promise<boolean> {
  for (const p of paths) if (!(await isFile(p))) return false;
  return true;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
