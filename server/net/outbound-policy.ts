import ipaddr from 'ipaddr.js';
import { DestinationForbiddenError } from '../../adapters/core/egress.ts';

/**
 * Which addresses the server's outbound connections may reach. Integration URLs are chosen by
 * whoever connects the integration, so by default only global unicast addresses are reachable:
 * loopback, private (RFC 1918), link-local (with the 169.254.169.254 cloud metadata service),
 * unique-local (fc00::/7, which holds fd00:ec2::254), carrier-grade NAT, multicast, unspecified,
 * broadcast, IPv4-mapped and translated IPv6 and every other special range that ipaddr.js
 * classifies are refused. An operator lets some through with OUTBOUND_ALLOW.
 *
 * Addresses are classified by ipaddr.js (`range()`: IANA special-purpose registries), never by our
 * own parsing.
 */
export interface OutboundPolicy {
  /** Throws DestinationForbiddenError when `host` (as the URL names it) resolving to `address` may not be reached. */
  check(host: string, address: string): void;
  /** True when `host` is on the operator's host allow-list (any address it resolves to is then allowed). */
  hostAllowed(host: string): boolean;
}

/** The parsed OUTBOUND_ALLOW: CIDR ranges (a bare address is a /32 or /128) and host names. */
export interface OutboundAllowList {
  ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][];
  hosts: Set<string>;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/**
 * Parses OUTBOUND_ALLOW: comma-separated entries, each a CIDR range (`10.0.0.0/8`, `fd00::/8`), an
 * address (`127.0.0.1`, `::1`) or a host name (`crm.internal`, compared case-insensitively, no
 * wildcards). Throws an Error listing every entry it cannot read.
 */
export function parseOutboundAllow(value: string | undefined): OutboundAllowList {
  const list: OutboundAllowList = { ranges: [], hosts: new Set() };
  const bad: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry.includes('/')) {
      try {
        list.ranges.push(ipaddr.parseCIDR(entry));
      } catch {
        bad.push(entry);
      }
    } else if (ipaddr.isValid(entry.replace(/^\[|\]$/g, ''))) {
      const address = ipaddr.parse(entry.replace(/^\[|\]$/g, ''));
      list.ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (HOST_NAME.test(entry.toLowerCase())) {
      list.hosts.add(normalHost(entry));
    } else {
      bad.push(entry);
    }
  }
  if (bad.length) throw new Error(`not a CIDR range, address or host name: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return list;
}

const normalHost = (host: string) => host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

/** The ipaddr.js range name of an address (`unicast` for global unicast), or `invalid`. */
export function addressRange(address: string): string {
  if (!ipaddr.isValid(address)) return 'invalid';
  return ipaddr.parse(address).range();
}

function inRanges(address: ipaddr.IPv4 | ipaddr.IPv6, ranges: OutboundAllowList['ranges']): boolean {
  return ranges.some(([net, bits]) => address.kind() === net.kind() && address.match(net, bits));
}

/** The policy for an allow-list (see parseOutboundAllow); an empty list allows only global unicast. */
export function createOutboundPolicy(allow: OutboundAllowList): OutboundPolicy {
  const hostAllowed = (host: string) => allow.hosts.has(normalHost(host));
  return {
    hostAllowed,
    check(host, address) {
      if (hostAllowed(host)) return;
      // Strict parsing: getaddrinfo answers and URL hosts are canonical; anything else is refused.
      if (!ipaddr.isValid(address)) throw new DestinationForbiddenError(host, address, 'unparsable');
      const parsed = ipaddr.parse(address);
      const range = parsed.range();
      if (range === 'unicast') return;
      if (inRanges(parsed, allow.ranges)) return;
      // An IPv4-mapped IPv6 address reaches its IPv4 address: an allowed IPv4 range allows it too.
      if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress() && inRanges((parsed as ipaddr.IPv6).toIPv4Address(), allow.ranges)) return;
      throw new DestinationForbiddenError(host, address, range);
    },
  };
}
