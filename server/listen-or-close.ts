/**
 * Starts a server listening; when it refuses to start (an AUTH_SECRET that is not the cluster's, a
 * port in use; an INSTANCE_ID in use is refused earlier, by openPostgresServerParts), lets go of what it had opened
 * before rethrowing, so a process ends with its one-line reason instead of hanging on open pools.
 */
export async function listenOrClose<T>(server: { listen(): Promise<T>; close(): Promise<void> }): Promise<T> {
  try {
    return await server.listen();
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  }
}
