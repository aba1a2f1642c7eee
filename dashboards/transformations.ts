import type { DataTransformerConfig } from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * The few Grafana transformations these dashboards use, typed once. Grafana applies them in the browser, so
 * they let one SQL result (long format) become series per value or a matrix without dynamic SQL pivots.
 */

/** One frame per distinct value of `field` (e.g. one curve per cell); the value becomes a label named `field`. */
export const partitionByValues = (field: string): DataTransformerConfig => ({
  id: 'partitionByValues',
  options: { fields: [field], keepFields: false, naming: { asLabels: true } },
});

/** Long → matrix: one row per `rowField` value, one column per `columnField` value, cells from `valueField`. */
export const groupingToMatrix = (rowField: string, columnField: string, valueField: string): DataTransformerConfig => ({
  id: 'groupingToMatrix',
  options: { rowField, columnField, valueField, emptyValue: 'null' },
});
