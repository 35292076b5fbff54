/**
 * Starting on ports found free: a port is released before our process binds it, so a start can
 * find it taken; `onFreePorts` starts again then, and only then.
 */
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { alive, findFreePort, isPortTaken, onFreePorts, startChild, stopChild } from '../../scripts/lib/processes.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('isPortTaken', () => {
  it("recognises Node's refusal to bind a port another socket holds", async () => {
    const port = await findFreePort();
    const holder = await listen(port);
    try {
      const refusal = await listen(port).then(
        (server) => {
          server.close();
          return null;
        },
        (error: unknown) => error,
      );
      expect(refusal).not.toBeNull();
      expect(isPortTaken(refusal)).toBe(true);
    } finally {
      holder.close();
    }
  });

  it("recognises the Temporal server's (Go) and the worker's metrics endpoint's (Rust) wordings", () => {
    expect(isPortTaken(new Error('listen tcp 127.0.0.1:7233: bind: address already in use'))).toBe(true);
    expect(isPortTaken(new Error('Failed to bind prometheus exporter: Address already in use (os error 98)'))).toBe(true);
  });

  it('does not take another failure for a taken port', () => {
    expect(isPortTaken(new Error('connect ECONNREFUSED 127.0.0.1:5432'))).toBe(false);
    expect(isPortTaken('the API was not ready within 60 s')).toBe(false);
  });
});

describe('onFreePorts', () => {
  it('starts again on a taken port, up to its attempts', async () => {
    const port = await findFreePort();
    const holder = await listen(port);
    let attempts = 0;
    let retries = 0;
    try {
      const server = await onFreePorts(
        async () => {
          attempts += 1;
          // the first attempt binds the held port, as a start whose port was taken meanwhile
          return listen(attempts === 1 ? port : await findFreePort());
        },
        () => (retries += 1),
      );
      server.close();
    } finally {
      holder.close();
    }
    expect({ attempts, retries }).toEqual({ attempts: 2, retries: 1 });
  });

  it('gives up on any other failure at once', async () => {
    let attempts = 0;
    await expect(
      onFreePorts(async () => {
        attempts += 1;
        throw new Error('the database refused the password');
      }),
    ).rejects.toThrow('refused the password');
    expect(attempts).toBe(1);
  });

  it('gives up after its last attempt when every port is taken', async () => {
    const port = await findFreePort();
    const holder = await listen(port);
    let attempts = 0;
    try {
      await expect(
        onFreePorts(async () => {
          attempts += 1;
          return listen(port);
        }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      holder.close();
    }
    expect(attempts).toBe(3);
  });
});

describe('alive', () => {
  it('holds while a child runs, and says why once it has exited', async () => {
    const child = startChild('short-lived', process.execPath, ['-e', "process.stderr.write('listen EADDRINUSE 127.0.0.1:1\\n'); setTimeout(() => process.exit(3), 300)"], {
      quiet: true,
    });
    try {
      expect(alive(child)).toBe(true);
      await child.exited;
      expect(() => alive(child)).toThrow(/short-lived exited \(3\)[\s\S]*EADDRINUSE/);
    } finally {
      await stopChild(child);
    }
  });
});
