import { z } from 'zod';
import { ROUTES } from '../../schema/index.ts';

/** The OpenAPI 3.1 document, generated from the zod contracts in schema/api (JSON Schema is OpenAPI 3.1's schema dialect). */
export function openApiDocument(version: string): Record<string, unknown> {
  const toSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = r.query ? Object.keys(r.query.shape).map((name) => ({ name, in: 'query', schema: { type: 'string' } })) : [];
    (paths[r.path] ??= {})[r.method] = {
      summary: r.summary,
      security: r.auth === 'bearer' ? [{ bearer: [] }, ...(r.orSession ? [{ session: [] }] : [])] : r.auth === 'session' ? [{ session: [] }] : [],
      ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(r.body) } } } } : {}),
      responses: Object.fromEntries(Object.entries(r.responses).map(([status, schema]) => [status, {
        description: Number(status) < 300 ? 'OK' : 'error',
        ...(schema ? { content: { 'application/json': { schema: toSchema(schema) } } } : {}),
      }])),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'WedSync Hub API', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, session: { type: 'apiKey', in: 'cookie', name: 'wedsync_session' } } },
    paths,
  };
}
