/**
 * A strict RFC 4180 reader for the tests (records end in LF, as PostgreSQL's COPY writes them, or CRLF): quoted
 * fields may hold commas, quotes ("") and line breaks.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += ch === '\n' ? 1 : 2;
    } else if (ch === '"' || ch === '\r') {
      throw new Error(`malformed CSV at offset ${i}: bare ${JSON.stringify(ch)}`);
    } else {
      field += ch;
      i++;
    }
  }
  if (quoted) throw new Error('malformed CSV: unterminated quote');
  if (field !== '' || row.length) throw new Error('malformed CSV: last line lacks CRLF');
  return rows;
}

/** Rows as objects keyed by the header row; checks every row has the header's width. */
export function csvRecords(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  return rows.map((r, n) => {
    if (r.length !== header.length) throw new Error(`row ${n + 1} has ${r.length} fields, header ${header.length}`);
    return Object.fromEntries(header.map((h, k) => [h, r[k]]));
  });
}
