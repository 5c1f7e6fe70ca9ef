import { lstatSync, unlinkSync } from 'node:fs';
import { createConnection, type Server } from 'node:net';
import { StoreUnavailableError } from '../../errors/index.js';

/** Listen on a TCP address or a unix socket path; a failure is a StoreUnavailableError with a hint. */
export function listenOn(
  server: Server,
  at: { host?: string; port?: number; path?: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = at.path ?? `${at.host}:${at.port}`;
      reject(
        new StoreUnavailableError(`cannot listen on ${where}: ${error.message}`, {
          cause: error,
          hint:
            error.code === 'EADDRINUSE'
              ? 'Choose another port (0 picks a free one) or stop what uses it.'
              : 'Check the address and your permissions.',
        }),
      );
    });
    server.listen(
      at.path === undefined ? { host: at.host, port: at.port } : { path: at.path },
      () => resolve(),
    );
  });
}

/** Remove a socket file left by a process that died; one that answers is in use. */
export async function clearStaleSocket(path: string): Promise<void> {
  try {
    if (!lstatSync(path).isSocket()) return;
  } catch {
    return;
  }
  const answers = await new Promise<boolean>((resolve) => {
    const probe = createConnection({ path }, () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (!answers) unlinkSync(path);
}
