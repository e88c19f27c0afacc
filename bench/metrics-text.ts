/** Readers of the server's Prometheus text (GET /metrics) for `npm run bench -- connections`. */

/** wedsync_document_loads_total from a /metrics text. */
export function documentLoads(metrics: string): number {
  return Number(/^wedsync_document_loads_total (\d+)/m.exec(metrics)?.[1] ?? 0);
}

/** wedsync_documents_loaded (the gauge of documents held in memory) from a /metrics text. */
export function documentsLoaded(metrics: string): number {
  const m = /^wedsync_documents_loaded (\d+)/m.exec(metrics);
  if (!m) throw new Error('wedsync_documents_loaded is not in /metrics');
  return Number(m[1]);
}

/** Cumulative counts of wedsync_webhook_ack_seconds{system="google-calendar",outcome="stored"} by bucket. */
export function ackBuckets(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    const m = /^wedsync_webhook_ack_seconds_bucket\{([^}]*)\} (\d+)/.exec(line);
    if (!m || !m[1]!.includes('system="google-calendar"') || !m[1]!.includes('outcome="stored"')) continue;
    out[/le="([^"]+)"/.exec(m[1]!)![1]!] = Number(m[2]);
  }
  return out;
}
