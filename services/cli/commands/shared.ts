import { resolveTargets } from '../../config';
import { resolveDataDir } from '../../paths';
import { openSweepContext, type SweepContext } from '../../sweeps';

export interface GlobalOptions {
  dataDir?: string;
  json?: boolean;
}

/** Opens a sweep context on the configured services, runs `fn`, and always closes it. */
export async function withSweepContext<T>(
  opts: GlobalOptions,
  fn: (ctx: SweepContext) => Promise<T>,
  connect: { migrateSchema?: boolean; needTemporal?: boolean } = {},
): Promise<T> {
  const ctx = await openSweepContext(
    resolveTargets(resolveDataDir(opts.dataDir), { needTemporal: connect.needTemporal }),
    connect,
  );
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
