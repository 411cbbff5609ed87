import 'reflect-metadata';
import { join } from 'node:path';
import { createApp } from './app.factory';
import { createRootLogger } from './common/logging';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { StaffService } from './staff/staff.service';

const SHUTDOWN_TIMEOUT_MS = 15_000;

function readConfig(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const log = createRootLogger(config);

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log.info({ dataDir: config.dataDir }, 'DATABASE_URL is not set: starting the embedded PostgreSQL');
    try {
      embedded = await startEmbeddedPostgres(config.dataDir, {
        log: (line) => log.debug({ postgres: line }),
        notice: (line) => log.warn(line),
      });
    } catch (error) {
      // One line that says what and where, never an unhandled rejection.
      process.stderr.write(`Cannot start: ${(error as Error).message ?? String(error)}\n`);
      process.exit(1);
    }
    databaseUrl = embedded.url;
    log.info(
      { data: embedded.dataDir },
      `embedded PostgreSQL is running; its data lives in ${embedded.dataDir}`,
    );
  }

  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    try {
      await app?.close();
      await embedded?.stop();
      log.info('stopped');
    } finally {
      clearTimeout(timer);
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  // A promise rejected with nobody waiting for it is a bug, but most likely a lost database
  // connection in an outage the app otherwise rides out: logged loudly, and the instance keeps
  // serving rather than dropping every request in flight (Node would exit).
  process.on('unhandledRejection', (reason) => {
    const error = reason as Error;
    log.error(
      { err: { type: error?.name, message: error?.message, code: (error as { code?: string })?.code } },
      'unhandled promise rejection (a bug to fix); the instance keeps serving',
    );
  });

  try {
    app = await createApp({ ...config, databaseUrl }, log);
    // Every interface, as in a container (Fastify alone would listen on localhost only).
    await app.listen(config.port, '0.0.0.0');
  } catch (error) {
    log.fatal({ err: error }, 'start-up failed');
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    process.exit(1);
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const where = [
    `API http://localhost:${port}/api/v1`,
    `docs http://localhost:${port}/docs`,
    `health http://localhost:${port}/health`,
    embedded ? `data ${embedded.dataDir}` : undefined,
    config.smtpUrl ? undefined : `mail drop ${join(config.dataDir, 'mail')}`,
  ].filter(Boolean);
  log.info({ port }, `clinic-booking listening: ${where.join(', ')}. Stop with Ctrl-C.`);
  if (!(await app.get(StaffService).any())) {
    log.info(
      'No staff account yet. To create the first admin, start with BOOTSTRAP_ADMIN_EMAIL=you@clinic.example ' +
        "BOOTSTRAP_ADMIN_PASSWORD='a long password' (then POST /api/v1/auth/login).",
    );
  }
}

void main();
