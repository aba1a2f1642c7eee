import type { z } from 'zod';

/** One readable line for a zod issue: `<path>: <what is wrong>` plus the offending value when known. */
export function formatIssue(path: PropertyKey[], issue: z.core.$ZodIssue, root?: unknown): string {
  const where = formatPath(path) || '(spec)';
  switch (issue.code) {
    case 'invalid_key':
      return `${where}: ${issue.issues[0]?.message ?? issue.message}`;
    case 'unrecognized_keys':
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `${where}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${gotSuffix(path, root)}`;
    case 'invalid_type':
      return `${where}: expected ${issue.expected}${gotSuffix(path, root)}`;
    case 'too_small':
      return `${where}: ${issue.origin === 'array' ? `must list at least ${String(issue.minimum)} value(s)` : `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`}${gotSuffix(path, root)}`;
    case 'too_big':
      return `${where}: must be ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}${gotSuffix(path, root)}`;
    default:
      return `${where}: ${issue.message}${gotSuffix(path, root)}`;
  }
}

/** `grid.seed[1]`-style path text. */
export function formatPath(path: PropertyKey[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );
}

function gotSuffix(path: PropertyKey[], root: unknown): string {
  if (root === undefined) return '';
  const value = valueAt(root, path);
  return value === undefined ? '' : `, got ${JSON.stringify(value)}`;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  // Paths from validateGridValues start at grid.<key>[i] while root is the value itself.
  if (path[0] === 'grid' && typeof path[2] === 'number' && path.length >= 3) {
    let v: unknown = root;
    for (const p of path.slice(3)) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
    return v;
  }
  let v: unknown = root;
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}
