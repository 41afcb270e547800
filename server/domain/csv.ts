/**
 * Spreadsheet-safe CSV. A cell that starts with = + - @ (or a tab or carriage return) is read as a
 * formula by Excel and LibreOffice, so such text is prefixed with an apostrophe (OWASP, "CSV
 * Injection"). Numbers are written as numbers, so negative values stay numeric.
 * @example toCsv([{ location: '=HYPERLINK("x")', harm: -1 }]) // 'location,harm\r\n"\'=HYPERLINK(""x"")",-1\r\n'
 */
export function toCsv(rows: Record<string, unknown>[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const lines = [cols.map(csvCell).join(',')];
  for (const row of rows) lines.push(cols.map((c) => csvCell(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
