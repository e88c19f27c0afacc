/** Text made safe to put in HTML (element content and quoted attribute values). */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/**
 * A small page the server renders itself, outside the app, for a link opened from an e-mail (an
 * acknowledgement, an address being added): `inner` is trusted HTML (escape what goes into it),
 * not indexed by search engines.
 */
export function plainPage(title: string, inner: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1.1rem;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#7a3e6b;color:#fff}blockquote{border-left:3px solid #ccc;margin:1rem 0;padding-left:1rem;white-space:pre-wrap}</style></head>
<body>${inner}</body></html>`;
}
