/** File access for the file-backed loaders, mapping filesystem failures to one-line DatasetErrors. */
import { promises as fs } from 'node:fs';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { FormatError, missingFile, unreadableFile } from './messages';

const gunzipAsync = promisify(gunzip);

/** Where a dataset's files live and how to name it in errors. */
export interface FileContext {
  name: string;
  dataDir: string;
}

/** Size of `file`, or undefined when it does not exist. */
export async function fileSize(ctx: FileContext, file: string): Promise<number | undefined> {
  try {
    const st = await fs.stat(file);
    return st.isFile() ? st.size : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadableFile(ctx.name, ctx.dataDir, file, err);
  }
}

/** Size of a file that must exist. */
export async function requireFile(ctx: FileContext, file: string): Promise<number> {
  const size = await fileSize(ctx, file);
  if (size === undefined) throw missingFile(ctx.name, ctx.dataDir, file);
  return size;
}

export async function readWhole(ctx: FileContext, file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missingFile(ctx.name, ctx.dataDir, file);
    throw unreadableFile(ctx.name, ctx.dataDir, file, err);
  }
}

/** Reads `file`, gunzipping it when it starts with the gzip magic (so `.gz` files need no special naming). */
export async function readMaybeGzip(ctx: FileContext, file: string): Promise<Buffer> {
  const buf = await readWhole(ctx, file);
  if (buf.length < 2 || buf[0] !== 0x1f || buf[1] !== 0x8b) return buf;
  try {
    return await gunzipAsync(buf);
  } catch (err) {
    throw new FormatError(`not a valid gzip file: ${(err as Error).message}`);
  }
}

/** The first `length` bytes of `file` (lets a limited load skip most of a 150 MB file). */
export async function readPrefix(ctx: FileContext, file: string, length: number): Promise<Buffer> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buf, done, length - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === length ? buf : buf.subarray(0, done);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missingFile(ctx.name, ctx.dataDir, file);
    throw unreadableFile(ctx.name, ctx.dataDir, file, err);
  } finally {
    await handle?.close();
  }
}
