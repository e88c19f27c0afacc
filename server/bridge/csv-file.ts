import { parse } from 'csv-parse/sync';
import { checkCsvHeader, columnKey, presetColumnNames, type Preset } from '../../adapters/presets/index.ts';
import { HttpError } from '../http/http-error.ts';

/**
 * Reads a system's CSV export as people hand it to us. The file may come straight from the system
 * or re-saved by a spreadsheet, which writes `;` between cells where `,` is the decimal mark (Excel
 * in DE, FR, NL, IT, ES), may put an Excel `sep=;` line first, or saves tab-separated text; people
 * leave a stray `"` inside a cell (`Jane "JJ" Wedding`), retype a column name in another case or
 * spacing, or leave a second, empty column of the same name. csv-parse reads the cells; this file
 * chooses the delimiter and turns the header into the preset's column names.
 */

/** Rows one import reads; a longer file is refused whole (413 `payload_too_large`). */
export const MAX_IMPORT_ROWS = 10_000;

/** Marks a row with a different number of cells than the header (its cells, as JSON, keep its event id its own). */
export const RAGGED = '\0ragged';

/** Delimiters chosen among when the file does not name its own (a `sep=` line). */
const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The file's delimiter and the text to parse (without a `sep=` line): the `sep=` line's when there
 * is one (Excel honours it and writes it on request), else whichever of `,` `;` TAB the header
 * line holds most of outside quotes (`,` on a tie or when it holds none: a one-column file).
 */
export function csvDelimiter(text: string): { delimiter: string; body: string } {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const sep = /^"?sep=([^\r\n"])"?[,;\t]*(?:\r\n|\r|\n|$)/i.exec(text.slice(start));
  if (sep) return { delimiter: sep[1]!, body: text.slice(start + sep[0].length) };
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted; // a doubled quote toggles twice: still inside
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let delimiter: string = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(delimiter)!) delimiter = d;
  return { delimiter, body: text.slice(start) };
}

/**
 * The file's data rows as the preset's column → cell (a ragged row: only RAGGED). Columns match
 * the preset's whatever their case and spacing; of columns sharing a name, the first non-empty
 * cell is kept (a second, empty `Location` column does not erase the venue). Cells beyond the
 * header that are all empty (a spreadsheet's trailing delimiters) do not make a row ragged.
 * Throws HttpError `validation_failed` (unreadable, empty, or a header without the preset's
 * required columns) or `payload_too_large` (more than MAX_IMPORT_ROWS rows).
 */
export function readCsv(preset: Preset, text: string): Array<Record<string, string>> {
  const { delimiter, body } = csvDelimiter(text);
  let records: string[][];
  try {
    // relax_quotes: a `"` inside an unquoted cell, or after a quoted one, is a literal quote.
    records = parse(body, { delimiter, bom: true, relax_quotes: true, skip_empty_lines: true, relax_column_count: true, to_line: MAX_IMPORT_ROWS + 2 }) as string[][];
  } catch (error) {
    throw new HttpError(400, 'validation_failed', `invalid request body: csv: ${(error as Error).message}`, undefined, { cause: error });
  }
  const [header, ...rows] = records;
  if (!header) throw new HttpError(400, 'validation_failed', 'invalid request body: csv: the file is empty (a header row is needed)');
  if (rows.length > MAX_IMPORT_ROWS) throw new HttpError(413, 'payload_too_large', `an import reads at most ${MAX_IMPORT_ROWS} rows; split the file`);
  const { missing } = checkCsvHeader(preset, header);
  if (missing.length) {
    const found = header.length === 1 && header[0]!.length > 40 ? ` (read as one column: is the file delimited by ${JSON.stringify(delimiter)}?)` : '';
    throw new HttpError(400, 'validation_failed', `invalid request body: csv: the header lacks ${preset.name}'s ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}${found}`);
  }
  const names = columnNames(presetColumnNames(preset, header));
  return rows.map((cells) => {
    if (cells.length < names.length || cells.slice(names.length).some((c) => c.trim() !== '')) return { [RAGGED]: JSON.stringify(cells) };
    const row = new Map<string, string>();
    for (const [i, name] of names.entries()) {
      if (name === '') continue;
      const held = row.get(name);
      if (held === undefined || (held.trim() === '' && cells[i]!.trim() !== '')) row.set(name, cells[i]!);
    }
    return Object.fromEntries(row);
  });
}

/** Each header cell's column name, columns of one name (by `columnKey`) under the first's spelling; `''` for an unnamed column. */
function columnNames(header: readonly string[]): string[] {
  const first = new Map<string, string>();
  return header.map((h) => {
    const key = columnKey(h);
    if (key === '') return '';
    if (!first.has(key)) first.set(key, h.trim());
    return first.get(key)!;
  });
}
