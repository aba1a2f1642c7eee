/** Typed views of generated classic dashboard JSON, for lints and query tests. */

export interface TargetJson {
  refId?: string;
  datasource?: { type?: string; uid?: string };
  rawSql?: string;
  format?: string;
  rawQuery?: boolean;
  editorMode?: string;
}

export interface MatcherJson {
  id: string;
  options?: unknown;
}

export interface OverrideJson {
  matcher: MatcherJson;
  properties: { id: string; value?: unknown }[];
}

export interface TransformationJson {
  id: string;
  options: Record<string, unknown>;
}

export interface PanelJson {
  id?: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: TargetJson[];
  options?: Record<string, unknown>;
  fieldConfig?: { defaults?: { custom?: Record<string, unknown>; displayName?: string }; overrides?: OverrideJson[] };
  transformations?: TransformationJson[];
  panels?: PanelJson[];
}

export interface VariableJson {
  name: string;
  type: string;
  query?: unknown;
  datasource?: { type?: string; uid?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

export interface DashboardJson {
  uid: string;
  title: string;
  panels?: PanelJson[];
  templating?: { list?: VariableJson[] };
}

export const asDashboard = (json: object) => json as DashboardJson;

/** Every panel, rows and panels inside collapsed rows included. */
export function allPanels(d: DashboardJson): PanelJson[] {
  const out: PanelJson[] = [];
  const visit = (panels: PanelJson[] | undefined) => {
    for (const p of panels ?? []) {
      out.push(p);
      visit(p.panels);
    }
  };
  visit(d.panels);
  return out;
}

export const queryPanels = (d: DashboardJson) => allPanels(d).filter((p) => (p.targets ?? []).length > 0);

export const variablesOf = (d: DashboardJson) => d.templating?.list ?? [];

export const transformation = (p: PanelJson, id: string) => p.transformations?.find((t) => t.id === id);
