/** SHA-256 checks for downloaded archives. Fails closed: a file is never accepted without a known hash. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DatasetError } from '../../errors';

/** Raised when a file's SHA-256 differs from the published one; the fetcher rewords it per dataset. */
export class ChecksumMismatchError extends DatasetError {
  constructor(
    readonly file: string,
    readonly actual: string,
    readonly expected: string,
  ) {
    super(`${file} has SHA-256 ${actual}, expected ${expected}`);
  }
}

export function isSha256Hex(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}

/** Streams the file through SHA-256 (archives are up to 170 MB, so never read whole). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Resolves when `file` hashes to `expected`; throws ChecksumMismatchError otherwise, DatasetError without a hash. */
export async function verifySha256(file: string, expected: string): Promise<void> {
  const want = expected.toLowerCase();
  if (!isSha256Hex(want)) {
    throw new DatasetError(`no valid published SHA-256 is known for ${file}; refusing to use an unverified file`);
  }
  const actual = await sha256File(file);
  if (actual !== want) throw new ChecksumMismatchError(file, actual, want);
}
