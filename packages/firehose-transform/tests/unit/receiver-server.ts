import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import {
  createHttpEndpointHandler,
  type HttpEndpointOptions,
  type ReceivedBatch,
} from '../../src/http-receiver.js';

/**
 * Returns `serve(options)`: a real server on 127.0.0.1 with a receiver made from
 * `defaults`, then `options`; batches given to onRecords and logged lines are kept.
 * Every server is closed after its test (call this at the top of a test file).
 */
export function receiverServers(defaults: Partial<HttpEndpointOptions> = {}) {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
  return async function serve(options: Partial<HttpEndpointOptions> = {}) {
    const batches: ReceivedBatch[] = [];
    const logged: string[] = [];
    const handler = createHttpEndpointHandler({
      ...defaults,
      logger: (l) => logged.push(l),
      onRecords: async (b) => {
        batches.push(b);
      },
      ...options,
    });
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return { port, handler, batches, logged };
  };
}
