/**
 * A strict check of iCalendar text as RFC 5545 §3.1 writes it, independent of any parser: valid
 * UTF-8, CRLF after every line, lines of at most 75 octets, continuation lines starting with one
 * space or tab, content lines of `name *(;param) : value` with no parameter repeated, and
 * BEGIN/END balanced. Returns the problems found (empty when the text is clean).
 */
export function lintICalendar(input: string | Uint8Array): string[] {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const problems: string[] = [];
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return ['not valid UTF-8'];
  }
  if (typeof input === 'string' && text !== input) problems.push('holds lone surrogates (not encodable as UTF-8)');
  if (!text.endsWith('\r\n')) problems.push('the last line does not end with CRLF');
  const physical = text.split('\r\n');
  physical.pop();
  const logical: string[] = [];
  physical.forEach((line, i) => {
    const octets = new TextEncoder().encode(line).length;
    if (octets > 75) problems.push(`line ${i + 1} is ${octets} octets: ${JSON.stringify(line)}`);
    if (/[\r\n]/.test(line)) problems.push(`line ${i + 1} holds a bare CR or LF`);
    // eslint-disable-next-line no-control-regex -- matching control characters is the point (RFC 5545 §3.3.11)
    if (/[\x00-\x08\x0A-\x1F\x7F]/.test(line)) problems.push(`line ${i + 1} holds a control character`);
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (i === 0) problems.push('the first line is a continuation');
      else logical[logical.length - 1] += line.slice(1);
    } else logical.push(line);
  });
  const stack: string[] = [];
  for (const line of logical) {
    const m = /^([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*)*):(.*)$/s.exec(line);
    if (!m) { problems.push(`not a content line: ${JSON.stringify(line)}`); continue; }
    const names = [...m[2]!.matchAll(/;([A-Za-z0-9-]+)=/g)].map((p) => p[1]!.toUpperCase());
    const repeated = names.filter((n, i) => names.indexOf(n) !== i);
    if (repeated.length) problems.push(`${m[1]} repeats parameter ${repeated.join(', ')}`);
    const name = m[1]!.toUpperCase();
    if (name === 'BEGIN') stack.push(m[3]!.toUpperCase());
    if (name === 'END' && stack.pop() !== m[3]!.toUpperCase()) problems.push(`END:${m[3]} does not close the open component`);
  }
  if (stack.length) problems.push(`unclosed: ${stack.join(', ')}`);
  return problems;
}
