import { loadDataset, disposeDataset, type Dataset } from '../engine';

/** A dataset lent to one cell; `release()` when done (idempotent). */
export interface DatasetLease {
  dataset: Dataset;
  release(): void;
}

interface Entry {
  loading: Promise<Dataset>;
  leases: number;
  lastUsed: number;
}

/**
 * One copy of each dataset per worker process, shared by every slot: consecutive cells of a sweep mostly use the
 * same one, and loading (parsing, scaling, uploading to the backend) would otherwise repeat for every cell. A
 * dataset is disposed only when no cell holds a lease on it and more than `capacity` are cached.
 */
export class DatasetCache {
  private readonly entries = new Map<string, Entry>();
  private clock = 0;

  constructor(
    private readonly dataDir: string | undefined,
    private readonly capacity = 2,
  ) {}

  /** Lends the dataset (loading it once); rejects with the loader's DatasetError, which is not cached. */
  async acquire(name: string, trainLimit?: number, testLimit?: number): Promise<DatasetLease> {
    const key = JSON.stringify([name, trainLimit ?? null, testLimit ?? null]);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { loading: loadDataset(name, { dataDir: this.dataDir, trainLimit, testLimit }), leases: 0, lastUsed: 0 };
      this.entries.set(key, entry);
    }
    entry.leases++;
    entry.lastUsed = ++this.clock;
    let dataset: Dataset;
    try {
      dataset = await entry.loading;
    } catch (err) {
      entry.leases--;
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw err;
    }
    let released = false;
    return {
      dataset,
      release: () => {
        if (released) return;
        released = true;
        entry.leases--;
        this.evict();
      },
    };
  }

  /** Datasets cached now (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  /** Disposes every dataset no cell holds; the rest go when their last lease is released. */
  clear(): void {
    for (const [key, entry] of this.entries) {
      if (entry.leases > 0) continue;
      this.entries.delete(key);
      void entry.loading.then(disposeDataset, () => undefined);
    }
  }

  // Least recently used first, never one that is lent out.
  private evict(): void {
    const idle = [...this.entries].filter(([, e]) => e.leases === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    let excess = this.entries.size - this.capacity;
    for (const [key, entry] of idle) {
      if (excess <= 0) break;
      this.entries.delete(key);
      void entry.loading.then(disposeDataset, () => undefined);
      excess--;
    }
  }
}
