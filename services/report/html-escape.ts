/**
 * HTML building where escaping is the default: every value interpolated into a `markup` template is escaped
 * unless it is already {@link SafeHtml}, so text from the database or the spec can never become markup.
 * (The tag is deliberately not called `html`: Prettier would reformat such templates and change the output.)
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and for double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Trusted markup, e.g. the page's own stylesheet. Never pass data from outside through this. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/** Tagged template: literal parts stay as written; values are escaped (arrays joined, null/false/undefined dropped). */
export function markup(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

function render(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}
