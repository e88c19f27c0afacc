/** `Method` with its result as a promise. */
export type Resolving<M> = M extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

/**
 * The asynchronous form of a synchronous store (the SQLite ones): each of `methods` resolves with
 * what the store's method returns, or rejects with what it throws, so one asynchronous interface
 * covers the SQLite store and its PostgreSQL twin. The calls run at once, in call order.
 */
export function resolving<T extends object, K extends keyof T>(store: T, methods: readonly K[]): { [P in K]: Resolving<T[P]> } {
  const out = {} as { [P in K]: Resolving<T[P]> };
  for (const name of methods) {
    const method = store[name] as unknown as (...args: unknown[]) => unknown;
    out[name] = (async (...args: unknown[]) => method.apply(store, args)) as Resolving<T[typeof name]>;
  }
  return out;
}
