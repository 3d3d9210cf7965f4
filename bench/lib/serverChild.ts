// Child-process entry: runs a bench server in its own process (so its CPU is not the client's)
// and answers control calls over IPC. Started by `spawnBenchServer`.
import { startBenchServer, type BenchServer, type BenchServerOptions } from './benchServer';

interface Call {
  id: number;
  method: keyof Omit<BenchServer, 'url' | 'tokenEndpoint'>;
  args: unknown[];
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as BenchServerOptions;
  const server = await startBenchServer(options);
  process.on('message', (message: Call) => {
    void (async () => {
      try {
        const fn = server[message.method] as (...args: unknown[]) => unknown;
        const result = await fn.apply(server, message.args);
        process.send?.({ id: message.id, result });
        if (message.method === 'close') process.disconnect();
      } catch (error) {
        process.send?.({ id: message.id, error: String(error) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: { url: server.url, tokenEndpoint: server.tokenEndpoint } });
}

void main();
