import { describe, expect, it } from 'vitest';
import { changesFromCsvRow, checkCsvHeader, presetFor } from '../../adapters/presets/index.ts';
import { HttpError } from '../../server/http/http-error.ts';
import { RAGGED, csvDelimiter, readCsv } from '../../server/bridge/csv-file.ts';

const honeybook = presetFor('honeybook');
const COLUMNS = ['Project ID', 'Project Name', 'Project Type', 'Project Date', 'Stage', 'Client Name', 'Client Email', 'Location', 'Total Value', 'Paid'];
const CELLS = ['5f9a', 'Jane & John Wedding', 'Wedding', '06/13/2026', 'Planning', 'Jane Smith & John Doe', 'jane@example.com', 'Rosewood Barn, Napa', '8500.00', '2500.00'];
const EXPECTED = Object.fromEntries(COLUMNS.map((c, i) => [c, CELLS[i]!]));
/** A file with `sep` between cells, cells holding `sep` or a quote quoted as a spreadsheet quotes them. */
const file = (sep: string, header = COLUMNS, cells = CELLS) => {
  const quote = (c: string) => (c.includes(sep) || c.includes('"') || c.includes(',') ? `"${c.replaceAll('"', '""')}"` : c);
  return `${header.map(quote).join(sep)}\r\n${cells.map(quote).join(sep)}\r\n`;
};
const refusal = (fn: () => unknown): HttpError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('reading a CSV export whatever its delimiter', () => {
  it.each([[',', 'comma'], [';', 'semicolon (Excel in DE, FR, NL, IT, ES)'], ['\t', 'tab']])('reads a %j-delimited file (%s)', (sep) => {
    expect(readCsv(honeybook, file(sep))).toEqual([EXPECTED]);
  });

  it('honours an Excel sep= line, with or without a byte-order mark, over what the header holds', () => {
    expect(readCsv(honeybook, `sep=;\r\n${file(';')}`)).toEqual([EXPECTED]);
    expect(readCsv(honeybook, `\uFEFFsep=,\r\n${file(',')}`)).toEqual([EXPECTED]);
    expect(readCsv(honeybook, `sep=\t\n${file('\t')}`)).toEqual([EXPECTED]);
    // The header's `;` inside quotes does not count; the sep= line decides anyway.
    expect(csvDelimiter('"a;b;c",d\r\n1,2')).toEqual({ delimiter: ',', body: '"a;b;c",d\r\n1,2' });
    expect(csvDelimiter('sep=|\na|b').delimiter).toBe('|');
  });

  it('reads a German Excel row (decimal commas, a comma in a cell) into the same values', () => {
    const cells = CELLS.map((c) => c.replace(/^(\d+)\.(\d\d)$/, '$1,$2'));
    const [row] = readCsv(honeybook, `sep=;\r\n${file(';', COLUMNS, cells)}`);
    const payments = changesFromCsvRow(honeybook, row!, { timeZone: 'America/New_York' }).find((c) => c.op === 'upsert' && c.entity === 'payments');
    expect(payments?.op === 'upsert' && payments.data).toMatchObject({ amount: 850_000, amountPaid: 250_000 });
  });

  it('reads a stray quote inside a cell as a quote, not as a broken file', () => {
    const text = `${COLUMNS.join(',')}\r\n5f9a,Jane "JJ" Wedding,Wedding,06/13/2026,Planning,x,jane@example.com,Napa,"$8,500.00","$2,500.00"\r\n`;
    expect(readCsv(honeybook, text)[0]).toMatchObject({ 'Project Name': 'Jane "JJ" Wedding', Location: 'Napa', 'Total Value': '$8,500.00' });
    expect(readCsv(honeybook, text.replace('Jane "JJ" Wedding', '"Jane" Wedding'))[0]).toMatchObject({ 'Project Name': '"Jane" Wedding' });
  });
});

describe('matching the header to the preset\'s columns', () => {
  it('whatever the case and spacing of the column names', () => {
    const variants = [COLUMNS.map((c) => c.toLowerCase()), COLUMNS.map((c) => c.toUpperCase()), COLUMNS.map((c) => ` ${c.replace(' ', '  ')} `)];
    for (const header of variants) {
      expect(checkCsvHeader(honeybook, header).missing).toEqual([]);
      expect(readCsv(honeybook, file(',', header)), header.join('|')).toEqual([EXPECTED]);
    }
  });

  it('keeps the first non-empty cell among columns of one name', () => {
    const header = [...COLUMNS, 'location', 'Project  Name'];
    expect(readCsv(honeybook, file(',', header, [...CELLS, '', 'Other title']))).toEqual([EXPECTED]);
    const emptyFirst = CELLS.map((c, i) => (COLUMNS[i] === 'Location' ? '' : c));
    expect(readCsv(honeybook, file(',', header, [...emptyFirst, 'Second Barn', '']))[0]).toMatchObject({ Location: 'Second Barn' });
  });

  it('ignores trailing empty cells a spreadsheet adds, and still marks a row of another length', () => {
    expect(readCsv(honeybook, `${COLUMNS.join(',')}\r\n${file(',').split('\r\n')[1]},,\r\n`)).toEqual([EXPECTED]);
    expect(readCsv(honeybook, `${COLUMNS.join(',')}\r\n5f9a,x\r\n`)[0]).toHaveProperty([RAGGED]);
    expect(readCsv(honeybook, `${COLUMNS.join(',')}\r\n${file(',').split('\r\n')[1]},extra\r\n`)[0]).toHaveProperty([RAGGED]);
  });

  it('still refuses a header without a required column, naming it', () => {
    const error = refusal(() => readCsv(honeybook, file(',', COLUMNS.map((c) => (c === 'Project ID' ? 'Job' : c)))));
    expect(error.message).toMatch(/the header lacks HoneyBook's Project ID column/);
  });
});
