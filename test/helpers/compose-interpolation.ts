/**
 * Compose's variable interpolation (compose-spec's "Interpolation" section) for the deployment tests: `$$`,
 * `$VAR`, `${VAR}`, and `${VAR:-default}` / `-` / `:?err` / `?` / `:+alt` / `+`, defaults nested. `used`
 * collects every variable name the text refers to.
 */
export class InterpolationError extends Error {}

export function interpolate(text: string, env: Record<string, string | undefined>, used = new Set<string>()): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{') {
      const end = closingBrace(text, i + 2);
      out += expand(text.slice(i + 2, end), env, used);
      i = end;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!m) throw new InterpolationError(`a lone "$" in ${JSON.stringify(text)} (write $$ for a literal)`);
      used.add(m[0]);
      out += env[m[0]] ?? '';
      i += m[0].length;
    }
  }
  return out;
}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    if (text[j] === '$' && text[j + 1] === '{') {
      depth++;
      j++;
    } else if (text[j] === '}' && --depth === 0) return j;
  }
  throw new InterpolationError(`unclosed \${ in ${JSON.stringify(text)}`);
}

function expand(body: string, env: Record<string, string | undefined>, used: Set<string>): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(body);
  if (!m) throw new InterpolationError(`bad substitution \${${body}}`);
  const [, name, op, arg = ''] = m;
  used.add(name);
  const value = env[name];
  const unsetOrEmpty = value === undefined || value === '';
  const unset = value === undefined;
  switch (op) {
    case undefined:
      return value ?? '';
    case ':-':
      return unsetOrEmpty ? interpolate(arg, env, used) : (value ?? '');
    case '-':
      return unset ? interpolate(arg, env, used) : (value ?? '');
    case ':?':
    case '?':
      if (op === ':?' ? unsetOrEmpty : unset) throw new InterpolationError(`${name}: ${interpolate(arg, env, used)}`);
      return value ?? '';
    case ':+':
      return unsetOrEmpty ? '' : interpolate(arg, env, used);
    case '+':
      return unset ? '' : interpolate(arg, env, used);
    default:
      throw new InterpolationError(`bad operator in \${${body}}`);
  }
}

/** Applies {@link interpolate} to every string in a parsed compose file (keys are left alone, as compose does). */
export function interpolateTree(
  node: unknown,
  env: Record<string, string | undefined>,
  used = new Set<string>(),
): unknown {
  if (typeof node === 'string') return interpolate(node, env, used);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, env, used));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env, used)]));
  }
  return node;
}

/** A dotenv file as compose reads it: KEY=VALUE lines, # comments, optional quotes. */
export function parseDotenv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith('#')) continue;
    env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}
