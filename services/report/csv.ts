/** RFC 4180 CSV: a header row, CRLF line ends, fields quoted only when they must be. */

export type CsvValue = string | number | boolean | Date | null | undefined;

/** One field: empty for null/undefined, ISO time for dates; quoted (inner quotes doubled) when it holds `,` `"` CR LF or edge spaces. */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = v instanceof Date ? v.toISOString() : String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header, ...rows].map((r) => r.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
