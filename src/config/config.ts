import { IANAZone } from 'luxon';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { passwordProblem } from './password-policy';

/** Injection token for the validated, typed configuration. */
export const APP_CONFIG = Symbol('APP_CONFIG');

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const positiveNumber = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
  .transform(Number)
  .pipe(z.number().positive('must be greater than 0'));

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}` },
  );

const email = z.email('must be an email address');

/** A comma-separated list of web origins (`https://host[:port]`). */
const origins = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
      .filter(Boolean),
  )
  .pipe(
    z.array(
      url(['http', 'https']).refine(
        (value) => URL.canParse(value) && new URL(value).origin === value,
        'must be origins only, like https://www.clinic.example (no path)',
      ),
    ),
  );

/** Secrets that have appeared in this repository (examples, old defaults): never for production. */
const PUBLISHED_SECRETS = new Set(['change-me-to-a-long-random-secret-of-32-chars-or-more']);

/** Every variable, with its rule and default. */
export const CONFIG_FIELDS = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: int(0, 65535).default(3000),
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  DATABASE_POOL_SIZE: int(1, 1000).default(20),
  DATA_DIR: z.string().min(1).default('./var'),
  SMTP_URL: url(['smtp', 'smtps']).optional(),
  MAIL_FROM: z.string().min(3).default('Gold City Medical Center <bookings@localhost>'),
  FRONT_DESK_EMAIL: email.optional(),
  CLINIC_NAME: z.string().min(1).max(200).default('Gold City Medical Center'),
  CLINIC_PHONE: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 ()-]{4,30}$/, 'must be a phone number, e.g. +31 20 123 4567')
    .optional(),
  CLINIC_ADDRESS: z.string().trim().min(1).max(300).optional(),
  STAFF_LOCALE: z.enum(['en', 'nl'], { message: 'must be en or nl' }).default('nl'),
  CLINIC_TIMEZONE: z
    .string()
    .default('Europe/Amsterdam')
    .refine((zone) => IANAZone.isValidZone(zone), 'must be an IANA time zone such as Europe/Amsterdam'),
  PUBLIC_BASE_URL: url(['http', 'https']).optional(),
  BOOKING_MIN_NOTICE_MINUTES: int(0, 60 * 24 * 365).default(60),
  CANCELLATION_DEADLINE_HOURS: int(0, 24 * 365).default(24),
  REMINDER_HOURS_BEFORE: positiveNumber.default(48),
  BOOKING_HORIZON_DAYS: int(1, 36500).default(90),
  NOTIFICATION_MAX_ATTEMPTS: int(1, 100).default(8),
  NOTIFICATION_RETRY_BASE_MS: int(1, 24 * 3600 * 1000).default(30000),
  NOTIFICATION_POLL_MS: int(10, 3600 * 1000).default(1000),
  NOTIFICATION_LEASE_MS: int(1000, 3600 * 1000).default(60_000),
  NOTIFICATION_BUSY_DEFER_MS: int(0, 3600 * 1000).default(20_000),
  NOTIFICATION_DISPATCH: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  RETENTION_MONTHS: int(1, 1200).default(24),
  SCHEDULED_JOBS: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  JOBS_FIRST_RUN_DELAY_MS: int(0, 24 * 3600 * 1000).default(10_000),
  EXPORT_IDLE_TIMEOUT_MS: int(100, 3600 * 1000).default(30_000),
  EXPORT_MAX_CONCURRENT: int(1, 100).default(2),
  MAX_ACTIVE_BOOKINGS_PER_PATIENT: int(1, 1000).default(2),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(100, 600_000).default(5_000),
  MAX_CONCURRENT_PER_CLIENT: int(0, 10_000).default(20),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  STAFF_TOKEN_TTL_MINUTES: int(1, 7 * 24 * 60).default(480),
  BOOTSTRAP_ADMIN_EMAIL: email.optional(),
  BOOTSTRAP_ADMIN_PASSWORD: z
    .string()
    .min(12, 'must be at least 12 characters')
    .max(256)
    .superRefine((password, ctx) => {
      const problem = passwordProblem(password);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(60),
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(false|true|\d{1,2})$/, 'must be false, true, or the number of proxy hops in front of the app')
    .default('false'),
  CORS_ORIGINS: origins,
  EMBED_ORIGINS: origins,
  PRIVACY_NOTICE_URL: url(['http', 'https']).optional(),
  PAGES_DIR: z.string().min(1).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ALERT_EMAIL: email.optional(),
  ALERT_INTERVAL_MINUTES: int(1, 7 * 24 * 60).default(60),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

const schema = CONFIG_FIELDS.superRefine((env, ctx) => {
  if (!!env.BOOTSTRAP_ADMIN_EMAIL !== !!env.BOOTSTRAP_ADMIN_PASSWORD) {
    ctx.addIssue({
      code: 'custom',
      path: [env.BOOTSTRAP_ADMIN_EMAIL ? 'BOOTSTRAP_ADMIN_PASSWORD' : 'BOOTSTRAP_ADMIN_EMAIL'],
      message: 'must be set together with its pair (BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD)',
    });
  }
  if (env.NODE_ENV === 'production') {
    if (!env.DATABASE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'is required in production (the embedded PostgreSQL is for development only)',
      });
    }
    if (!env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required in production' });
    } else if (PUBLISHED_SECRETS.has(env.JWT_SECRET) || /change.?me/i.test(env.JWT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message:
          'is a published example: anyone could sign staff tokens with it; use a random secret (openssl rand -base64 48)',
      });
    }
  }
});

type Env = z.infer<typeof CONFIG_FIELDS>;

/**
 * What each variable means, for docs/configuration.md (generated from this and CONFIG_FIELDS by
 * `npm run docs:config`; a test fails when the two differ). `unset` says what an unset optional
 * variable means.
 */
export const CONFIG_DOCS: Record<keyof Env, { text: string; unset?: string }> = {
  NODE_ENV: { text: '`production` requires `DATABASE_URL` and `JWT_SECRET`' },
  PORT: { text: 'HTTP port, on every IPv4 interface' },
  DATABASE_URL: {
    text: '`postgres://user:pass@host:5432/db`: the PostgreSQL server to use; required in production',
    unset: 'an embedded PostgreSQL under `DATA_DIR`',
  },
  DATABASE_POOL_SIZE: {
    text: 'connections one instance may hold (kept open once opened); instances × this must stay below the server’s `max_connections`',
  },
  DATA_DIR: { text: 'where the embedded database, the generated JWT secret and the mail drop live' },
  SMTP_URL: {
    text: 'the mail server, e.g. `smtp://user:pass@host:587`',
    unset: 'a mail drop: each email an `.eml` file in `$DATA_DIR/mail`',
  },
  MAIL_FROM: { text: 'sender of every email' },
  FRONT_DESK_EMAIL: { text: 'where the notice of each new booking goes', unset: 'no notice is sent' },
  CLINIC_NAME: { text: 'shown in emails and calendar invites' },
  CLINIC_PHONE: {
    text: 'the number patients call: in every patient email and every “too late, please call” answer',
    unset: 'emails and answers say “call the clinic” without a number',
  },
  CLINIC_ADDRESS: {
    text: 'where the clinic is: in every patient email and the calendar invite’s location',
    unset: 'the invite’s location is the clinic’s name',
  },
  STAFF_LOCALE: { text: 'language of the emails to the front desk (`en` or `nl`)' },
  CLINIC_TIMEZONE: { text: 'IANA zone: the wall clock of rotas and emails' },
  PUBLIC_BASE_URL: {
    text: 'base of the manage-booking link in emails (`{PUBLIC_BASE_URL}/manage/{reference}#token=…`)',
    unset: '`http://localhost:$PORT`',
  },
  BOOKING_MIN_NOTICE_MINUTES: { text: 'how soon before its start a slot stops being bookable online' },
  CANCELLATION_DEADLINE_HOURS: { text: 'patients may cancel or reschedule online until this long before' },
  REMINDER_HOURS_BEFORE: {
    text: 'how long before the appointment the reminder email falls due (may be fractional); best above CANCELLATION_DEADLINE_HOURS, so the patient can still change online',
  },
  BOOKING_HORIZON_DAYS: { text: 'how far ahead patients may book online (staff may book further)' },
  NOTIFICATION_MAX_ATTEMPTS: { text: 'sends tried before an email is `dead`' },
  NOTIFICATION_RETRY_BASE_MS: { text: 'first retry delay; doubled each attempt, with jitter' },
  NOTIFICATION_POLL_MS: { text: 'how often the dispatcher looks for due email' },
  NOTIFICATION_LEASE_MS: {
    text: 'how long a dispatcher holds a claimed email before another instance may take it over (after a crash)',
  },
  NOTIFICATION_BUSY_DEFER_MS: {
    text: 'while this instance is busy answering requests (as many at once as `DATABASE_POOL_SIZE`), it sends only email that has been due this long, and the rest once the rush is over (another instance that is not busy sends it at once); `0`: always at once',
  },
  NOTIFICATION_DISPATCH: {
    text: '`off`: this instance writes emails to the outbox but leaves sending them to other instances',
  },
  RETENTION_MONTHS: {
    text: 'the retention job erases the personal data of patients whose last appointment is older than this',
  },
  SCHEDULED_JOBS: {
    text: '`off`: this instance leaves the periodic jobs (retention, purges) to other instances',
  },
  JOBS_FIRST_RUN_DELAY_MS: { text: 'how soon after start each periodic job first runs' },
  EXPORT_IDLE_TIMEOUT_MS: { text: 'a CSV export whose client takes nothing for this long is dropped' },
  MAX_ACTIVE_BOOKINGS_PER_PATIENT: {
    text: 'upcoming bookings one patient (an email address with its +tag and dotted aliases, and a date of birth) may hold online',
  },
  EXPORT_MAX_CONCURRENT: {
    text: 'CSV exports streaming at once from one instance (each holds a database connection); more are refused with 429',
  },
  HTTP_HEADERS_TIMEOUT_MS: { text: 'a client must send its request headers within this (408 otherwise)' },
  HTTP_REQUEST_TIMEOUT_MS: { text: 'a client must send its whole request within this (408 otherwise)' },
  HTTP_KEEP_ALIVE_TIMEOUT_MS: {
    text: 'an idle keep-alive connection is closed after this; behind a reverse proxy, set it above the proxy’s idle timeout (nginx and AWS ALB: 60 s)',
  },
  MAX_CONCURRENT_PER_CLIENT: {
    text: 'public requests one client address may have in progress at once (429 beyond); `0` turns it off',
  },
  JWT_SECRET: {
    text: 'signs staff tokens and seals manage tokens in the outbox; every instance must share it; required in production',
    unset: 'generated once and kept in `$DATA_DIR`',
  },
  STAFF_TOKEN_TTL_MINUTES: { text: 'lifetime of a staff token (a working day)' },
  BOOTSTRAP_ADMIN_EMAIL: {
    text: 'the first admin, created when no staff exists (with its password)',
    unset: 'none',
  },
  BOOTSTRAP_ADMIN_PASSWORD: { text: 'the first admin’s password, at least 12 characters', unset: 'none' },
  RATE_LIMIT_PER_MINUTE: {
    text: 'requests per client address per minute on the public endpoints, together; `0` turns it off',
  },
  TRUST_PROXY: {
    text: '`true`, or the number of proxies in front: only then is `X-Forwarded-For` used for the client address',
  },
  CORS_ORIGINS: { text: 'comma-separated origins allowed to call the API from a browser', unset: 'none' },
  EMBED_ORIGINS: {
    text: 'comma-separated origins of the sites that may show the booking page in a frame (the clinic’s website, for `/embed.js`)',
    unset: 'no other site may frame it',
  },
  PAGES_DIR: {
    text: 'where the built patient pages are (`manifest.json` and `assets/`)',
    unset: '`dist/pages`, where `npm run build` puts them',
  },
  METRICS_TOKEN: {
    text: '`GET /metrics` answers only with `Authorization: Bearer <this>`',
    unset: '`/metrics` is open: keep it off the public network',
  },
  ALERT_EMAIL: {
    text: 'told when emails go `dead` or the oldest due email is older than 15 minutes',
    unset: 'no alerts',
  },
  ALERT_INTERVAL_MINUTES: { text: 'at most one alert per this many minutes, across all instances' },
  REDIS_URL: {
    text: 'rate limits, the per-client cap and sign-in lock-outs are shared by every instance through this Redis; while it is unreachable each instance counts on its own',
    unset: 'each instance counts on its own',
  },
  PRIVACY_NOTICE_URL: {
    text: 'the clinic’s privacy notice, linked from the consent on the booking page; set it in production',
    unset: 'the consent is asked without a link',
  },
  LOG_LEVEL: { text: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`' },
};

export interface AppConfig {
  env: Env['NODE_ENV'];
  port: number;
  /** Unset: the app starts an embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  /** Connections this instance may hold; instances × this must stay below max_connections. */
  databasePoolSize: number;
  dataDir: string;
  smtpUrl?: string;
  mailFrom: string;
  frontDeskEmail?: string;
  clinicName: string;
  /** The number patients call, as written in the settings. */
  clinicPhone?: string;
  clinicAddress?: string;
  /** Language of the front desk's emails. */
  staffLocale: 'en' | 'nl';
  clinicTimezone: string;
  publicBaseUrl: string;
  bookingMinNoticeMinutes: number;
  cancellationDeadlineHours: number;
  reminderHoursBefore: number;
  /** Patients may book up to this many days ahead. */
  bookingHorizonDays: number;
  notificationMaxAttempts: number;
  notificationRetryBaseMs: number;
  notificationPollMs: number;
  /** How long a dispatcher holds a claimed row before another may take it over. */
  notificationLeaseMs: number;
  /** While busy answering requests, only email due this long is sent (0: always at once). */
  notificationBusyDeferMs: number;
  /** off: this instance writes the outbox but leaves sending to other instances. */
  notificationDispatch: boolean;
  /** Personal data of patients whose last appointment is older than this is erased. */
  retentionMonths: number;
  /** off: this instance leaves the periodic jobs (retention, purges) to others. */
  scheduledJobs: boolean;
  /** How soon after start each periodic job first runs. */
  jobsFirstRunDelayMs: number;
  /** A CSV export whose client takes nothing for this long is dropped. */
  exportIdleTimeoutMs: number;
  /** CSV exports streaming at once from one instance (each holds a database connection). */
  exportMaxConcurrent: number;
  /** Upcoming bookings one patient identity (email aliases folded) may hold online. */
  maxActiveBookingsPerPatient: number;
  /** Slow clients: time to send the headers, and the whole request. */
  httpHeadersTimeoutMs: number;
  httpRequestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (above a proxy's own idle timeout). */
  httpKeepAliveTimeoutMs: number;
  /** Public requests in flight per client address at once (0: no cap). */
  maxConcurrentPerClient: number;
  /** Unset outside production: generated once and kept in `dataDir`. */
  jwtSecret?: string;
  staffTokenTtlSeconds: number;
  bootstrapAdmin?: { email: string; password: string };
  rateLimitPerMinute: number;
  trustProxy: boolean | number;
  corsOrigins: string[];
  /** Sites that may frame the booking page (frame-ancestors). */
  embedOrigins: string[];
  privacyNoticeUrl?: string;
  /** The built patient pages; unset: dist/pages. */
  pagesDir?: string;
  /** Bearer token `/metrics` asks for; unset: open. */
  metricsToken?: string;
  /** Where operational alerts go; unset: none. */
  alertEmail?: string;
  alertIntervalMinutes: number;
  /** Shared limits; unset: per instance. */
  redisUrl?: string;
  logLevel: Env['LOG_LEVEL'];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/**
 * Reads and validates the environment once. Empty strings count as unset, so `FOO=` in a
 * compose file behaves like leaving FOO out. Values are never echoed: some are secrets.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): AppConfig {
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    dataDir: isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(env.DATA_DIR),
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    frontDeskEmail: env.FRONT_DESK_EMAIL,
    clinicName: env.CLINIC_NAME,
    clinicPhone: env.CLINIC_PHONE,
    clinicAddress: env.CLINIC_ADDRESS,
    staffLocale: env.STAFF_LOCALE,
    clinicTimezone: env.CLINIC_TIMEZONE,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    bookingMinNoticeMinutes: env.BOOKING_MIN_NOTICE_MINUTES,
    cancellationDeadlineHours: env.CANCELLATION_DEADLINE_HOURS,
    reminderHoursBefore: env.REMINDER_HOURS_BEFORE,
    bookingHorizonDays: env.BOOKING_HORIZON_DAYS,
    notificationMaxAttempts: env.NOTIFICATION_MAX_ATTEMPTS,
    notificationRetryBaseMs: env.NOTIFICATION_RETRY_BASE_MS,
    notificationPollMs: env.NOTIFICATION_POLL_MS,
    notificationLeaseMs: env.NOTIFICATION_LEASE_MS,
    notificationBusyDeferMs: env.NOTIFICATION_BUSY_DEFER_MS,
    notificationDispatch: env.NOTIFICATION_DISPATCH === 'on',
    retentionMonths: env.RETENTION_MONTHS,
    scheduledJobs: env.SCHEDULED_JOBS === 'on',
    jobsFirstRunDelayMs: env.JOBS_FIRST_RUN_DELAY_MS,
    exportIdleTimeoutMs: env.EXPORT_IDLE_TIMEOUT_MS,
    exportMaxConcurrent: env.EXPORT_MAX_CONCURRENT,
    maxActiveBookingsPerPatient: env.MAX_ACTIVE_BOOKINGS_PER_PATIENT,
    httpHeadersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConcurrentPerClient: env.MAX_CONCURRENT_PER_CLIENT,
    jwtSecret: env.JWT_SECRET,
    staffTokenTtlSeconds: env.STAFF_TOKEN_TTL_MINUTES * 60,
    bootstrapAdmin:
      env.BOOTSTRAP_ADMIN_EMAIL && env.BOOTSTRAP_ADMIN_PASSWORD
        ? { email: env.BOOTSTRAP_ADMIN_EMAIL, password: env.BOOTSTRAP_ADMIN_PASSWORD }
        : undefined,
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    trustProxy:
      env.TRUST_PROXY === 'true' ? true : env.TRUST_PROXY === 'false' ? false : Number(env.TRUST_PROXY),
    corsOrigins: env.CORS_ORIGINS,
    embedOrigins: env.EMBED_ORIGINS,
    privacyNoticeUrl: env.PRIVACY_NOTICE_URL,
    pagesDir: env.PAGES_DIR,
    metricsToken: env.METRICS_TOKEN,
    alertEmail: env.ALERT_EMAIL,
    alertIntervalMinutes: env.ALERT_INTERVAL_MINUTES,
    redisUrl: env.REDIS_URL,
    logLevel: env.LOG_LEVEL,
  };
}

/**
 * How a refusal that only the front desk can get round ends: "Please call the clinic on
 * +31 20 123 4567." (or without a number when CLINIC_PHONE is unset).
 */
export function callTheClinic(config: Pick<AppConfig, 'clinicPhone'>): string {
  return config.clinicPhone ? `Please call the clinic on ${config.clinicPhone}.` : 'Please call the clinic.';
}
