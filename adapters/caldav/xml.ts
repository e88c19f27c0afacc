import { lookupTable, ownValue, setOwn } from '../../schema/own-keys.ts';

/**
 * A small namespace-aware XML reader and writer for the CalDAV sandbox: enough for WebDAV request
 * bodies (PROPFIND, REPORT) and multistatus answers. Elements are addressed by namespace URI and
 * local name, as WebDAV requires (prefixes are the client's choice).
 */

export const NS = { dav: 'DAV:', caldav: 'urn:ietf:params:xml:ns:caldav', cs: 'http://calendarserver.org/ns/', apple: 'http://apple.com/ns/ical/' } as const;

export interface XmlElement {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES = lookupTable({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" });
const decode = (s: string) => s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => (e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e] ?? m));

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Parses a document into its root element; throws on malformed input. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const stack: { el: XmlElement; scope: Record<string, string>; raw: string }[] = [];
  let root: XmlElement | null = null;
  const resolve = (qname: string, scope: Record<string, string>, isAttr = false) => {
    const c = qname.indexOf(':');
    const prefix = c >= 0 ? qname.slice(0, c) : '';
    if (isAttr && c < 0) return { ns: '', name: qname };
    return { ns: ownValue(scope, prefix) ?? '', name: c >= 0 ? qname.slice(c + 1) : qname };
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (stack.length) stack[stack.length - 1]!.el.text += decode(text.slice(i, lt));
    if (text.startsWith('<?', lt)) { i = text.indexOf('?>', lt) + 2; continue; }
    if (text.startsWith('<!--', lt)) { i = text.indexOf('-->', lt) + 3; continue; }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (stack.length) stack[stack.length - 1]!.el.text += text.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    if (text.startsWith('<!', lt)) { i = text.indexOf('>', lt) + 1; continue; }
    const gt = text.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = text.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (!open || open.raw !== tag.slice(1).trim()) throw new Error(`mismatched </${tag.slice(1)}>`);
      if (stack.length === 0) root = open.el;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([^\s/>]+)/.exec(body);
    if (!m) throw new Error('empty tag');
    const raw = m[1]!;
    const attrs: Record<string, string> = {};
    for (const a of body.slice(raw.length).matchAll(/([^\s=]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) setOwn(attrs, a[1]!, decode(a[3] ?? a[4] ?? ''));
    const scope = { ...(stack.at(-1)?.scope ?? {}) };
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'xmlns') scope[''] = v;
      else if (k.startsWith('xmlns:')) setOwn(scope, k.slice(6), v);
    }
    const { ns, name } = resolve(raw, scope);
    const plainAttrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) if (k !== 'xmlns' && !k.startsWith('xmlns:')) setOwn(plainAttrs, resolve(k, scope, true).name, v);
    const el: XmlElement = { ns, name, attrs: plainAttrs, children: [], text: '' };
    stack.at(-1)?.el.children.push(el);
    if (selfClosing) {
      if (stack.length === 0) root = el;
    } else stack.push({ el, scope, raw });
  }
  if (!root || stack.length) throw new Error('incomplete document');
  return root;
}

export const child = (el: XmlElement | undefined, ns: string, name: string) => el?.children.find((c) => c.ns === ns && c.name === name);
export const childrenOf = (el: XmlElement | undefined, ns: string, name: string) => el?.children.filter((c) => c.ns === ns && c.name === name) ?? [];

/** Every descendant with this name, depth first. */
export function descendants(el: XmlElement, ns: string, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.ns === ns && c.name === name) out.push(c);
    out.push(...descendants(c, ns, name));
  }
  return out;
}
