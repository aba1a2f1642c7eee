import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../services/paths';
import { amGalleryDashboard } from './am-gallery';
import { DASHBOARD_TAG } from './base';
import type { GeneratedDashboard } from './finalize';
import { resultsDashboard } from './results';
import { stableJson } from './stable-json';
import { sweepOverviewDashboard } from './sweep-overview';

export type { GeneratedDashboard } from './finalize';
export { PG_DATASOURCE_NAME, PG_DATASOURCE_TYPE, PG_DATASOURCE_UID } from './datasource';
export { stableJson } from './stable-json';

/** Where the committed JSON lives (and Grafana provisioning reads it from). */
export const GENERATED_DIR = join(packageRoot(), 'dashboards', 'generated');

/** Every proxysweep dashboard as classic (v1) JSON, in a fixed order. Pure and deterministic. */
export function buildDashboards(): GeneratedDashboard[] {
  return [sweepOverviewDashboard(), resultsDashboard(), amGalleryDashboard()];
}

export interface WriteResult {
  dir: string;
  written: string[];
  removed: string[];
}

/**
 * Writes each dashboard as `<uid>.json` into `dir`, and removes proxysweep dashboards (by tag) left there by an
 * older version, so a renamed dashboard does not linger in Grafana. Other files are never touched.
 */
export function writeDashboards(dir: string = GENERATED_DIR): WriteResult {
  mkdirSync(dir, { recursive: true });
  const dashboards = buildDashboards();
  const names = new Set(dashboards.map((d) => `${d.uid}.json`));
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json') || names.has(name)) continue;
    if (isProxysweepDashboard(join(dir, name))) {
      rmSync(join(dir, name));
      removed.push(name);
    }
  }
  const written = dashboards.map((d) => {
    const name = `${d.uid}.json`;
    writeFileSync(join(dir, name), stableJson(d.json));
    return name;
  });
  return { dir, written, removed };
}

function isProxysweepDashboard(path: string): boolean {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { tags?: unknown };
    return Array.isArray(json.tags) && json.tags.includes(DASHBOARD_TAG);
  } catch {
    return false;
  }
}
