import { fetchDataset, listDatasets } from '../../engine';
import { table, type Output } from '../output';

/** --dataset-dir, else PROXYSWEEP_DATASET_DIR, else ./.data. */
export function datasetDir(flag?: string): string {
  return flag ?? process.env.PROXYSWEEP_DATASET_DIR ?? '.data';
}

export async function dataListCommand(out: Output) {
  const list = listDatasets();
  out.result(list);
  out.line(
    table(
      ['dataset', 'shape', 'classes', 'needs files', 'description'],
      list.map((d) => [d.name, d.inputShape.join('x'), d.classes, d.needsFiles ? 'yes' : 'no', d.description]),
    ),
  );
  return list;
}

/** `data fetch <name>`: downloads and checks a dataset's official files (needs the internet). */
export async function dataFetchCommand(name: string, opts: { datasetDir?: string }, out: Output) {
  const r = await fetchDataset(name, {
    dataDir: datasetDir(opts.datasetDir),
    log: (m: string) => process.stderr.write(`${m}\n`),
  });
  out.result(r);
  out.line(r.files.length ? `dataset ${name} ready: ${r.files.length} files` : `dataset ${name} needs no files`);
  return r;
}
