import { join } from 'node:path';
import { ChecksumMismatchError, verifySha256 } from '../engine/datasets/checksum';
import { DATASET_CATALOG } from '../engine/datasets/catalog';
import { isFile } from '../engine/datasets/extract';
import type { FileDatasetName } from '../engine/datasets/layout';
import { shellQuote } from '../engine/datasets/messages';
import { SOURCES, type DownloadSource } from '../engine/datasets/sources';
import { fail, firstLine, pass, warn, type CheckResult } from './check';

const fetchFix = (name: string, dir: string) =>
  `run \`proxysweep data fetch ${name} --dataset-dir ${shellQuote(dir)}\``;

/** The files the loader reads from one downloaded archive. */
function unpackedFiles(dir: string, src: DownloadSource): string[] {
  const ex = src.extract;
  return ex.kind === 'gunzip' ? [join(dir, ex.to)] : ex.files.map((f) => join(dir, ex.dir, f));
}

/**
 * `dataset <name>`: the dataset's files are in `datasetDir` and every archive has its published SHA-256 (the
 * same files and hashes `data fetch` uses). Bundled and generated datasets pass without files. `sources`
 * replaces the published list (tests use small files).
 */
export async function checkDataset(name: string, datasetDir: string, sources?: DownloadSource[]): Promise<CheckResult> {
  const check = `dataset ${name}`;
  const info = DATASET_CATALOG[name];
  if (!info) {
    return fail(check, `unknown dataset "${name}"`, `use one of ${Object.keys(DATASET_CATALOG).join(', ')}`);
  }
  if (!info.needsFiles) {
    return pass(check, `${name} needs no files (${name === 'digits' ? 'bundled with proxysweep' : 'generated'})`);
  }
  const dir = join(datasetDir, name);
  const list = sources ?? SOURCES[name as FileDatasetName];
  let unverified = 0;
  for (const src of list) {
    const archive = join(dir, src.file);
    if (await isFile(archive)) {
      try {
        await verifySha256(archive, src.sha256);
        continue;
      } catch (err) {
        const why =
          err instanceof ChecksumMismatchError ? `has SHA-256 ${err.actual}, expected ${err.expected}` : firstLine(err);
        return fail(
          check,
          `${archive} ${why} (corrupt or a different file)`,
          `delete it and ${fetchFix(name, datasetDir)}`,
        );
      }
    }
    const files = unpackedFiles(dir, src);
    const present = await Promise.all(files.map(isFile));
    if (present.every(Boolean)) {
      unverified++;
      continue;
    }
    return fail(check, `missing ${archive} (and the files unpacked from it) in ${dir}`, fetchFix(name, datasetDir));
  }
  if (unverified > 0) {
    return warn(
      check,
      `${name} files present in ${dir}, but ${unverified} of ${list.length} archive(s) are gone, so their SHA-256 cannot be checked`,
      `${fetchFix(name, datasetDir)} to put them back and verify`,
    );
  }
  return pass(check, `${name}: ${list.length} archive(s) in ${dir}, SHA-256 verified`);
}

/** A warning that says how to have datasets checked, when none was named. */
export function noDatasetNamed(): CheckResult {
  return warn(
    'datasets',
    'no dataset named, so none was checked',
    'name them with `--dataset NAME` (repeatable) or `--spec FILE` (every dataset its grid uses)',
  );
}
