import crypto from 'node:crypto';
import { json } from '../core/sandbox-server.ts';
import type { GraphEvent } from './mappers.ts';

/** A Graph error response (`{ error: { code, message, innerError } }`, Graph's shape). */
export const graphError = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': crypto.randomUUID() } } }, headers);

/** A request body as a JSON object, or null when it is not one. */
export function parseGraphBody(text: string): GraphEvent | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as GraphEvent) : null;
  } catch {
    return null;
  }
}
