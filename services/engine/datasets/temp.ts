/** Temp names live in the target's own directory so the final rename is atomic (same filesystem). */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
}
