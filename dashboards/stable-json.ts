/**
 * JSON with object keys sorted at every level (array order kept), pretty-printed, with a trailing newline.
 * The generated dashboards are committed and CI diffs them, so the text must not depend on the order in which
 * the SDK happens to set properties.
 */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
