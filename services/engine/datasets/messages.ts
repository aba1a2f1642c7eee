/**
 * User-facing wording for dataset problems. Every DatasetError is one line that names the dataset, the file or
 * directory at fault, and the command that fixes it, so the CLI can print it as-is.
 */
import { DatasetError } from '../../errors';

/** Raised by the pure parsers with a detail ("bad magic number 7"); loaders turn it into a DatasetError. */
export class FormatError extends Error {}

/** Quotes a path for a copy-pasteable shell command, only when it needs it. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function fetchCommand(name: string, dataDir: string): string {
  return `proxysweep data fetch ${name} --data-dir ${shellQuote(dataDir)}`;
}

export function missingFile(name: string, dataDir: string, file: string): DatasetError {
  return new DatasetError(`dataset "${name}": missing ${file}; run \`${fetchCommand(name, dataDir)}\``);
}

export function corruptFile(name: string, dataDir: string, file: string, detail: string): DatasetError {
  return new DatasetError(
    `dataset "${name}": ${file} is corrupt (${oneLine(detail)}); delete it and run \`${fetchCommand(name, dataDir)}\``,
  );
}

export function unreadableFile(name: string, dataDir: string, file: string, err: unknown): DatasetError {
  return new DatasetError(
    `dataset "${name}": cannot read ${file} (${errorCode(err)}); fix its permissions or run \`${fetchCommand(name, dataDir)}\``,
  );
}

export function badOption(name: string, detail: string): DatasetError {
  return new DatasetError(`dataset "${name}": ${oneLine(detail)}`);
}

/** The errno code of a Node system error, else its message. */
export function errorCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : oneLine(err instanceof Error ? err.message : String(err));
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
