/**
 * Latency at a stated rate: requests sent evenly spaced in time (open loop), each timed from the
 * moment it was due, not from when a free connection let it go. Autocannon's own rate limit
 * cannot do this: it lets every connection fire its whole per-second quota at the top of each
 * second (so a "half rate" run is a full-speed burst followed by silence), and it back-fills
 * its histogram with a 1 ms expected interval whatever the rate. Both make p99 at a rate mean
 * little. This is the wrk2 way of measuring instead, on keep-alive connections, after one
 * unrecorded second at the same rate (which opens the connections).
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { bookingBodies } from './bodies';

export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: () => string;
}

export interface PacedResult {
  /** Requests per second actually completed over the run. */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /**
   * How late the load generator itself sent its requests (p99, ms): its own pauses (GC, the
   * scheduler on a shared machine) count in every latency above, so a large value here means
   * the tail is partly the generator's.
   */
  lateP99: number;
  /** Transport errors and answers with a status other than the expected one. */
  errors: number;
  /** The errors by kind: an unexpected status code, or the transport error's code. */
  errorKinds: Record<string, number>;
}

/** The value below which `q` (0..1) of the sorted samples lie, nearest-rank. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PacedOptions {
  rate: number;
  seconds: number;
  connections: number;
  expectStatus: number;
  /** An answer slower than this is an error, as in autocannon (default 10 s). */
  timeoutMs?: number;
}

export async function paced(
  baseUrl: string,
  spec: PacedRequest,
  options: PacedOptions,
): Promise<PacedResult> {
  const url = new URL(baseUrl);
  // First in, first out: every open connection takes its turn, as with wrk2. Node's default
  // (last in, first out) leaves some idle past the server's keep-alive timeout, and a request
  // sent just as the server closes one fails with ECONNRESET (1 in about 2,000 seen).
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections, scheduling: 'fifo' });
  const interval = 1000 / options.rate;
  const warmUp = Math.round(options.rate);
  const total = warmUp + Math.max(1, Math.round(options.rate * options.seconds));
  const latencies: number[] = [];
  const lateness: number[] = [];
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  const fail = (kind: string) => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  const inFlight: Promise<void>[] = [];

  const send = (due: number, recorded: boolean) =>
    new Promise<void>((resolve) => {
      const body = spec.body?.();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: spec.method,
          path: spec.path,
          headers: body
            ? {
                ...spec.headers,
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(body),
              }
            : spec.headers,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (recorded) latencies.push(performance.now() - due);
            if (recorded && res.statusCode !== options.expectStatus) fail(String(res.statusCode));
            resolve();
          });
        },
      );
      req.setTimeout(options.timeoutMs ?? 10_000, () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (recorded) fail(error.code ?? error.message);
        resolve();
      });
      req.end(body);
    });

  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (i >= warmUp) lateness.push(Math.max(0, performance.now() - due));
    inFlight.push(send(due, i >= warmUp));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000 - warmUp / options.rate;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  lateness.sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    rps: latencies.length / elapsed,
    p50: round(percentile(latencies, 0.5)),
    p99: round(percentile(latencies, 0.99)),
    max: round(latencies[latencies.length - 1] ?? NaN),
    lateP99: round(percentile(lateness, 0.99)),
    errors,
    errorKinds,
  };
}

/** A paced run as it crosses into a process of its own: booking bodies are made there, on these slots. */
export interface PacedJob {
  baseUrl: string;
  request: Omit<PacedRequest, 'body'> & { bookingSlots?: string[] };
  options: PacedOptions;
}

/**
 * `paced` in a Node process of its own, as wrk2 is its own process. Run inside the benchmark's
 * process, the generator shared its event loop and heap with autocannon and everything else the
 * run holds, and its own pauses went into every latency it measured: the same servers gave a
 * half-rate p99 two to three times higher there than from a fresh process.
 */
export function pacedInChild(job: PacedJob): Promise<PacedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register', __filename], {
      env: { ...process.env, TS_NODE_SWC: 'true' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    // 'close', not 'exit': only then has all of the child's output been read.
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the paced generator exited with ${code}`));
      try {
        resolve(JSON.parse(output));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}

if (require.main === module) {
  let input = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => (input += chunk));
  process.stdin.on('end', () => {
    const { baseUrl, request: spec, options } = JSON.parse(input) as PacedJob;
    const { bookingSlots, ...rest } = spec;
    paced(baseUrl, { ...rest, body: bookingSlots && bookingBodies(bookingSlots) }, options).then(
      (result) => process.stdout.write(JSON.stringify(result)),
      (error: Error) => {
        process.stderr.write(`${error.stack}\n`);
        process.exitCode = 1;
      },
    );
  });
}
