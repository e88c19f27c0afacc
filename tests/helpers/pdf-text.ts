import zlib from 'node:zlib';

/**
 * The text a PDF shows, one string per text-showing operator (Tj/TJ, concatenating a TJ array's
 * pieces), read from its content streams: FlateDecode streams are inflated, and strings decoded as
 * WinAnsi (Windows-1252), the encoding of the standard fonts. Enough to check what a generated
 * PDF says (times, titles) without a PDF renderer; not a general PDF parser (no object streams,
 * no embedded-font CMaps): text in embedded fonts (CJK, Arabic… since issue 14) needs
 * pdf-content.ts, which reads it with pdf.js.
 */
export function pdfTextRuns(pdf: Uint8Array): string[] {
  const bytes = Buffer.from(pdf);
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('not a PDF (no %PDF- header)');
  const raw = bytes.toString('latin1');
  const runs: string[] = [];
  const decoder = new TextDecoder('windows-1252');
  const stream = /<<([^]*?)>>\s*stream\r?\n/g;
  for (let m = stream.exec(raw); m; m = stream.exec(raw)) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    let content = bytes.subarray(start, end);
    if (/\/FlateDecode/.test(m[1]!)) {
      try {
        content = zlib.inflateSync(content);
      } catch {
        continue; // not a content stream we can read (e.g. an image)
      }
    }
    const text = content.toString('latin1');
    const show = /\[((?:[^\]\\]|\\.)*)\]\s*TJ|(<[0-9A-Fa-f\s]*>|\((?:[^()\\]|\\.)*\))\s*Tj/g;
    for (let s = show.exec(text); s; s = show.exec(text)) {
      const pieces = s[1] !== undefined ? [...s[1].matchAll(/<[0-9A-Fa-f\s]*>|\((?:[^()\\]|\\.)*\)/g)].map((p) => p[0]) : [s[2]!];
      runs.push(pieces.map((p) => decoder.decode(pdfString(p))).join(''));
    }
  }
  return runs;
}

function pdfString(token: string): Uint8Array {
  if (token.startsWith('<')) {
    const hex = token.slice(1, -1).replace(/\s+/g, '');
    return Uint8Array.from(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'));
  }
  const body = token.slice(1, -1).replace(/\\([nrtbf()\\]|[0-7]{1,3})/g, (_, e: string) => {
    const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '(': '(', ')': ')', '\\': '\\' };
    return map[e] ?? String.fromCharCode(parseInt(e, 8));
  });
  return Uint8Array.from(Buffer.from(body, 'latin1'));
}
