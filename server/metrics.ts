import client from 'prom-client';

/**
 * Prometheus metrics for one server instance. Each instance has its own registry so that several
 * servers in one process (tests, benchmarks) never share counters.
 */
export class Metrics {
  readonly registry = new client.Registry();

  readonly documentsLoaded = new client.Gauge({ name: 'wedsync_documents_loaded', help: 'Wedding documents held in memory', registers: [this.registry] });
  readonly documentLoads = new client.Counter({ name: 'wedsync_document_loads_total', help: 'Wedding documents loaded from storage into memory (by a client or the bridge); a fast-growing count against a steady wedsync_documents_loaded means documents are unloaded and loaded again', registers: [this.registry] });
  readonly connections = new client.Gauge({ name: 'wedsync_websocket_connections', help: 'Open WebSocket connections', registers: [this.registry] });
  readonly wsRejected = new client.Counter({ name: 'wedsync_websocket_rejected_total', help: 'WebSocket connections or messages refused, by reason', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly updatesRefused = new client.Counter({ name: 'wedsync_updates_refused_total', help: 'Collaboration updates refused before they were applied, by code (schema_violation, missing_dependencies, document_too_large; permission_denied counts updates refused in part)', labelNames: ['code'] as const, registers: [this.registry] });
  readonly rateLimited = new client.Counter({ name: 'wedsync_rate_limited_total', help: 'Requests refused with 429, by the limit they exceeded', labelNames: ['limit'] as const, registers: [this.registry] });
  readonly rateLimitFallbacks = new client.Counter({ name: 'wedsync_rate_limit_fallbacks_total', help: 'Request and attempt budgets counted in this process because PostgreSQL did not answer (the budget held per instance meanwhile, not for the cluster), by budget', labelNames: ['budget'] as const, registers: [this.registry] });
  readonly authFailures = new client.Counter({ name: 'wedsync_auth_failures_total', help: 'Refused tokens, by code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly docUpdates = new client.Counter({ name: 'wedsync_document_updates_total', help: 'Updates applied to wedding documents, by origin kind', labelNames: ['origin'] as const, registers: [this.registry] });
  readonly logAppendSeconds = new client.Histogram({
    name: 'wedsync_update_log_append_seconds', help: 'Time to append one update to the durable log',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05], registers: [this.registry],
  });
  readonly compactions = new client.Counter({ name: 'wedsync_compactions_total', help: 'Update-log compactions', registers: [this.registry] });
  readonly loadFailures = new client.Counter({ name: 'wedsync_document_load_failures_total', help: 'Documents refused because their stored data could not be loaded', registers: [this.registry] });
  readonly storageWritable = new client.Gauge({ name: 'wedsync_storage_writable', help: '1 while storage accepts writes, 0 while the server is read-only because a write failed', registers: [this.registry] });
  readonly storageFailures = new client.Counter({ name: 'wedsync_storage_write_failures_total', help: 'Failed writes to storage (commits, appends), by kind: full, io, read_only, other', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly documentsDiscarded = new client.Counter({ name: 'wedsync_documents_discarded_total', help: 'Live documents dropped and reloaded from storage because a change in them could not be stored', registers: [this.registry] });
  readonly unresolvedDocuments = new client.Counter({ name: 'wedsync_document_unresolved_loads_total', help: 'Document loads that found stored updates whose dependencies are missing (served without them; kept stored)', registers: [this.registry] });
  readonly documentListenerErrors = new client.Counter({ name: 'wedsync_document_listener_errors_total', help: 'Document listeners (outbox, activity, comms, calendar, payments) that threw inside a durable write; the update was kept, the listener\'s writes rolled back', labelNames: ['listener'] as const, registers: [this.registry] });
  readonly leasesHeld = new client.Gauge({ name: 'wedsync_document_leases_held', help: 'Document leases this instance holds (PostgreSQL): the wedding documents it serves', registers: [this.registry] });
  readonly leasesLost = new client.Counter({ name: 'wedsync_document_leases_lost_total', help: 'Document leases lost while serving, by reason: taken_over (another instance holds it now), renewal_late (no renewal succeeded before it could lapse), write_refused (a write carried an old epoch); the live copy was dropped each time', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly postgresIdleErrors = new client.Counter({ name: 'wedsync_postgres_idle_connection_errors_total', help: 'Idle pooled PostgreSQL connections the database or the network dropped (a restart, an ended session), by pool (documents, bridge, stores); new ones are opened as needed', labelNames: ['pool'] as const, registers: [this.registry] });
  readonly leaseRenewalFailures = new client.Counter({ name: 'wedsync_document_lease_renewal_failures_total', help: 'Rounds of lease renewals that failed (the database did not answer); leases lapse if they keep failing', registers: [this.registry] });
  readonly ownedElsewhere = new client.Counter({ name: 'wedsync_documents_owned_elsewhere_total', help: 'Documents this instance was asked to open while another instance held their lease (the client retries or is forwarded)', registers: [this.registry] });
  readonly hookErrors = new client.Counter({ name: 'wedsync_hook_errors_total', help: 'Errors thrown by collaboration hooks and caught', labelNames: ['hook'] as const, registers: [this.registry] });
  // ── flow control (server/collab/flow-control.ts) ──
  readonly collabThrottled = new client.Counter({ name: 'wedsync_collab_throttled_total', help: 'Times a WebSocket was paused for going over a budget, by scope (connection, wedding, queue, unread: its client left too much of what was sent unread)', labelNames: ['scope'] as const, registers: [this.registry] });
  readonly collabThrottledSeconds = new client.Counter({ name: 'wedsync_collab_throttled_seconds_total', help: 'Time WebSockets spent paused for going over a message or byte budget, by scope', labelNames: ['scope'] as const, registers: [this.registry] });
  readonly collabQueuedMessages = new client.Gauge({ name: 'wedsync_collab_queued_messages', help: 'Messages received from WebSockets that Hocuspocus holds unprocessed', registers: [this.registry], collect: () => this.collectors.collabQueue?.() });
  readonly collabRelays = new client.Gauge({ name: 'wedsync_collab_relayed_documents', help: 'Documents of client sockets on this instance relayed to their owner on another instance (one socket to the owner each)', registers: [this.registry] });
  readonly collabRelayFailures = new client.Counter({ name: 'wedsync_collab_relay_failures_total', help: 'Relays to an owner that could not be opened (owner unreachable or frozen); the document was refused with 1013 and the client retries', registers: [this.registry] });
  readonly collabQueuePeak = new client.Gauge({ name: 'wedsync_collab_socket_queue_peak_messages', help: 'Largest number of unprocessed messages seen for one WebSocket since start (held by Hocuspocus, or relayed and not yet written to the wedding owner)', registers: [this.registry] });
  readonly httpRequests = new client.Histogram({
    name: 'wedsync_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers: [this.registry],
  });

  // ── integration bridge ──
  readonly webhookAckSeconds = new client.Histogram({
    name: 'wedsync_webhook_ack_seconds', help: 'Time from receiving a webhook to answering it', labelNames: ['system', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25], registers: [this.registry],
  });
  readonly webhookPacedSeconds = new client.Histogram({
    name: 'wedsync_webhook_paced_seconds', help: 'Time a verified webhook waited for application to catch up before it was stored (intake-pacing.ts)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2], registers: [this.registry],
  });
  readonly webhookPacingStarted = new client.Counter({ name: 'wedsync_webhook_pacing_started_total', help: 'Times webhook application fell more than WEBHOOK_PACING_LAG_MS behind, so that verified webhooks waited for it', registers: [this.registry] });
  readonly syncLatencySeconds = new client.Histogram({
    name: 'wedsync_sync_latency_seconds', help: 'External change stored in the inbox → applied to the document (a paced webhook\'s wait before it is in wedsync_webhook_paced_seconds)', labelNames: ['system'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 5, 30], registers: [this.registry],
  });
  readonly inboundRefused = new client.Counter({ name: 'wedsync_inbound_refused_total', help: 'Inbound changes outside the rights of whoever connected the integration, not applied', labelNames: ['system', 'entity', 'reason'] as const, registers: [this.registry] });
  readonly pushAttempts = new client.Counter({ name: 'wedsync_push_attempts_total', help: 'Outbound push attempts, by system and result', labelNames: ['system', 'result'] as const, registers: [this.registry] });
  readonly pushFailures = new client.Counter({ name: 'wedsync_push_failures_total', help: 'Failed outbound pushes, by system and error code', labelNames: ['system', 'code'] as const, registers: [this.registry] });
  readonly pushLatencySeconds = new client.Histogram({
    name: 'wedsync_push_latency_seconds', help: 'Document change → delivered to the external system', labelNames: ['system'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 5, 30, 300], registers: [this.registry],
  });
  readonly inboxDepth = new client.Gauge({ name: 'wedsync_inbox_depth', help: 'Inbox rows by status', labelNames: ['status'] as const, registers: [this.registry], collect: () => this.collectors.inbox?.() });
  readonly inboxOldestSeconds = new client.Gauge({ name: 'wedsync_inbox_oldest_pending_seconds', help: 'Age of the oldest pending inbox row', registers: [this.registry], collect: () => this.collectors.inbox?.() });
  readonly outboxDepth = new client.Gauge({ name: 'wedsync_outbox_depth', help: 'Outbox rows by status', labelNames: ['status'] as const, registers: [this.registry], collect: () => this.collectors.outbox?.() });
  readonly outboxOldestSeconds = new client.Gauge({ name: 'wedsync_outbox_oldest_pending_seconds', help: 'Age of the oldest pending outbox row', registers: [this.registry], collect: () => this.collectors.outbox?.() });
  readonly activeIntegrations = new client.Gauge({ name: 'wedsync_active_integrations', help: 'Active integrations', registers: [this.registry], collect: () => this.collectors.integrations?.() });
  readonly bindingAdaptersBuilt = new client.Gauge({ name: 'wedsync_binding_adapters_built', help: 'Active bindings whose wedding-scoped adapter has been built (the others are idle: their connection pulls and verifies for them)', registers: [this.registry], collect: () => this.collectors.bindingAdapters?.() });
  readonly outboundRefused = new client.Counter({ name: 'wedsync_outbound_refused_total', help: 'Outbound connections refused by OUTBOUND_ALLOW policy, by address range', labelNames: ['range'] as const, registers: [this.registry] });
  readonly consistencyRatio = new client.Gauge({ name: 'wedsync_consistency_ratio', help: 'Last consistency audit: records whose compared fields agree between the external system and the wedding, divided by records compared (1 when none were)', labelNames: ['connection', 'wedding'] as const, registers: [this.registry] });
  readonly openBreakers = new client.Gauge({ name: 'wedsync_open_circuit_breakers', help: 'Integrations whose circuit breaker is open or half-open', registers: [this.registry] });

  /** Filled by the bridge and flow control: gauges that are read when scraped. */
  readonly collectors: { inbox?: () => void | Promise<void>; outbox?: () => void | Promise<void>; integrations?: () => void; collabQueue?: () => void; bindingAdapters?: () => void } = {};

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'wedsync_process_' });
  }
}
