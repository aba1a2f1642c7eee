import { loadDataset, disposeDataset, type Dataset } from '../engine';

/**
 * Keeps the last few datasets a worker loaded: consecutive cells of a sweep mostly share one, and loading
 * (parsing, scaling, uploading to the backend) would otherwise repeat for every cell.
 */
export class DatasetCache {
  private readonly entries = new Map<string, Promise<Dataset>>();

  constructor(
    private readonly dataDir: string | undefined,
    private readonly capacity = 2,
  ) {}

  get(name: string, trainLimit?: number, testLimit?: number): Promise<Dataset> {
    const key = JSON.stringify([name, trainLimit ?? null, testLimit ?? null]);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert: most recently used last
    } else {
      entry = loadDataset(name, { dataDir: this.dataDir, trainLimit, testLimit });
      entry.catch(() => this.entries.delete(key));
    }
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Promise<Dataset>];
      this.entries.delete(oldestKey);
      void oldest.then(disposeDataset, () => undefined);
    }
    return entry;
  }

  clear(): void {
    for (const entry of this.entries.values()) void entry.then(disposeDataset, () => undefined);
    this.entries.clear();
  }
}
