import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { sortKeys } from './stable-json';

export interface GeneratedDashboard {
  uid: string;
  title: string;
  /** Plain classic (v1) dashboard JSON, keys sorted: what provisioning reads and the API receives. */
  json: Record<string, unknown>;
}

interface PanelJson {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  panels?: PanelJson[];
}

/**
 * Turns a built dashboard into its JSON: drops the SDK's marker functions (JSON round trip), numbers every panel
 * and row 1..n (the SDK emits no ids and `id: 0` on rows), and refuses a layout wider than Grafana's 24 columns.
 */
export function finalizeDashboard(built: Dashboard): GeneratedDashboard {
  const json = JSON.parse(JSON.stringify(built)) as Record<string, unknown> & { panels?: PanelJson[] };
  if (!json.uid || !json.title) throw new Error('every dashboard needs a uid and a title');
  let nextId = 1;
  const visit = (panels: PanelJson[] | undefined) => {
    for (const p of panels ?? []) {
      p.id = nextId++;
      const g = p.gridPos;
      if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24) {
        throw new Error(`dashboard ${String(json.uid)}: panel "${p.title}" does not fit the 24-column grid`);
      }
      visit(p.panels);
    }
  };
  visit(json.panels);
  return { uid: String(json.uid), title: String(json.title), json: sortKeys(json) as Record<string, unknown> };
}
