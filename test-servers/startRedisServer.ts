import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/** A reply as RESP2 gives it. */
export type RespValue = string | number | null | RespValue[] | Error;

export interface RedisServerHandle {
  port: number;
  url: string;
  pid: number;
  /** One command on a fresh connection. */
  command(...args: string[]): Promise<RespValue>;
  /** Every key and its value (GET; the type name for keys that are not strings). */
  dump(): Promise<Map<string, string>>;
  /** SIGKILL (no persistence, so nothing to flush). Safe to call more than once. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitGuardInstalled = false;

/** A free port on 127.0.0.1 (released before returning; the caller binds it next). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

/**
 * Starts the system's `redis-server` on a free port of 127.0.0.1, without persistence; on `port`
 * when given (a restart where clients expect it), empty since nothing persists.
 */
export async function startRedisServer(
  options: { binary?: string; startTimeoutMs?: number; port?: number } = {},
): Promise<RedisServerHandle> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await spawnRedis(options.binary ?? 'redis-server', port, options.startTimeoutMs ?? 10_000);
    } catch (error) {
      // Another process may have taken the port between freePort() and the bind.
      if (attempt >= 3) throw error;
      if (options.port !== undefined) await new Promise(resolve => setTimeout(resolve, 200));
    }
  }
}

async function spawnRedis(binary: string, port: number, startTimeoutMs: number): Promise<RedisServerHandle> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!exitGuardInstalled) {
    exitGuardInstalled = true;
    process.on('exit', () => {
      for (const running of live) running.kill('SIGKILL');
    });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start: ${reason}\n${output}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${startTimeoutMs} ms`), startTimeoutMs);
    child.once('error', error => fail(`${error.message} (is redis-server installed? .ci/run installs it)`));
    child.once('exit', code => fail(`exited with code ${code}`));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output = (output + chunk).slice(-8192);
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.once('exit', () => live.delete(child));
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8192)));
  });
  child.stdout.removeAllListeners('data');
  child.stdout.resume();
  child.stderr.resume();

  const command = (...commandArgs: string[]) => respCommand(port, commandArgs);
  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    command,
    async dump() {
      const values = new Map<string, string>();
      let cursor = '0';
      do {
        const reply = (await command('SCAN', cursor, 'COUNT', '1000')) as [string, string[]];
        cursor = reply[0];
        for (const key of reply[1]) {
          const type = await command('TYPE', key);
          values.set(key, type === 'string' ? String(await command('GET', key)) : `(${String(type)})`);
        }
      } while (cursor !== '0');
      return values;
    },
    stop() {
      stopping ??= new Promise<void>(resolve => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
      return stopping;
    },
  };
}

/** Sends one command in RESP and reads one reply. */
export function respCommand(port: number, args: string[]): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis on port ${port} did not answer ${args[0]}`));
    }, 5_000);
    socket.once('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', chunk => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseResp(buffer, 0);
      if (!parsed) return;
      clearTimeout(timer);
      socket.end();
      resolve(parsed.value);
    });
    socket.connect(port, '127.0.0.1', () => {
      socket.write(`*${args.length}\r\n${args.map(arg => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
    });
  });
}

function parseResp(buffer: Buffer, offset: number): { value: RespValue; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  switch (type) {
    case '+':
      return { value: line, end: lineEnd + 2 };
    case '-':
      return { value: new Error(line), end: lineEnd + 2 };
    case ':':
      return { value: Number(line), end: lineEnd + 2 };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: lineEnd + 2 };
      if (buffer.length < lineEnd + 2 + length + 2) return undefined;
      return { value: buffer.toString('utf8', lineEnd + 2, lineEnd + 2 + length), end: lineEnd + 2 + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: lineEnd + 2 };
      const items: RespValue[] = [];
      let end = lineEnd + 2;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buffer, end);
        if (!item) return undefined;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}

/** A TCP server on 127.0.0.1 that accepts connections and never answers (a hung cache). */
export async function startSilentServer(): Promise<{ port: number; url: string; connections: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer(socket => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
