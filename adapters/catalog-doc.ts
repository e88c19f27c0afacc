import { catalog, connectsText, type CatalogEntry } from './catalog.ts';

/** The markers around the generated table in docs/integrations.md. */
export const TABLE_START = '<!-- catalog:start (generated from adapters/catalog.ts by `npx tsx adapters/catalog-doc.ts`) -->';
export const TABLE_END = '<!-- catalog:end -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** `meta: title, date` → `meta`; other lines stay as they are. */
const entities = (lines: string[]) => [...new Set(lines.filter((l) => !l.startsWith('trigger '))
  .map((l) => /^(meta|guests|timeline|payments|vendors):/.exec(l)?.[1] ?? /^action (“[^”]+” \([^)]+\))/.exec(l)?.[1] ?? l))];

function row(e: CatalogEntry): string {
  const name = e.name + (e.aliases.length ? ` (${e.aliases.join(', ')})` : '') + (e.brief ? '' : ' — not in the brief');
  return `| ${[
    `\`${e.id}\``, name, e.category, connectsText(e), e.form ? e.form.auth : '—',
    entities(e.inbound).join('; ') || '—', entities(e.outbound).join('; ') || '—', e.cannot.join('; ') || '—',
    e.tests.map((t) => `\`${t}\``).join(', '),
  ].map(cell).join(' | ')} |`;
}

/** The table of every catalogue entry, as docs/integrations.md holds it between TABLE_START and TABLE_END. */
export function catalogTable(): string {
  return [
    TABLE_START,
    '| id | system | category | how it connects | auth | syncs in | syncs out | cannot (why) | tests |',
    '|---|---|---|---|---|---|---|---|---|',
    ...catalog().map(row),
    TABLE_END,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(`${catalogTable()}\n`);
