import { ConfigError, loadConfig } from './config';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      port: 3000,
      databaseUrl: undefined,
      smtpUrl: undefined,
      mailFrom: 'Gold City Medical Center <bookings@localhost>',
      clinicName: 'Gold City Medical Center',
      clinicTimezone: 'Europe/Amsterdam',
      publicBaseUrl: 'http://localhost:3000',
      bookingMinNoticeMinutes: 60,
      cancellationDeadlineHours: 24,
      reminderHoursBefore: 48,
      notificationMaxAttempts: 8,
      notificationRetryBaseMs: 30000,
      notificationPollMs: 1000,
      rateLimitPerMinute: 60,
      trustProxy: false,
      corsOrigins: [],
      logLevel: 'info',
      bootstrapAdmin: undefined,
    });
    expect(config.dataDir).toMatch(/\/var$/);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@db:5432/clinic',
      SMTP_URL: 'smtp://user:pass@mail:587',
      FRONT_DESK_EMAIL: 'desk@clinic.example',
      CLINIC_TIMEZONE: 'America/New_York',
      PUBLIC_BASE_URL: 'https://book.clinic.example/',
      REMINDER_HOURS_BEFORE: '0.5',
      BOOTSTRAP_ADMIN_EMAIL: 'admin@clinic.example',
      BOOTSTRAP_ADMIN_PASSWORD: 'twelve chars!',
      CORS_ORIGINS: 'https://clinic.example, https://www.clinic.example',
      TRUST_PROXY: '1',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u:p@db:5432/clinic',
      clinicTimezone: 'America/New_York',
      publicBaseUrl: 'https://book.clinic.example',
      reminderHoursBefore: 0.5,
      bootstrapAdmin: { email: 'admin@clinic.example', password: 'twelve chars!' },
      corsOrigins: ['https://clinic.example', 'https://www.clinic.example'],
      trustProxy: 1,
      rateLimitPerMinute: 0,
    });
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 3000 });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be a whole number'],
    [{ PORT: '70000' }, 'PORT must be at most 65535'],
    [{ CLINIC_TIMEZONE: 'Europe/Atlantis' }, 'CLINIC_TIMEZONE must be an IANA time zone'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL must be a URL starting with postgres://'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL must be a URL'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL must be a URL starting with smtp://'],
    [{ PUBLIC_BASE_URL: 'ftp://x' }, 'PUBLIC_BASE_URL must be a URL'],
    [{ FRONT_DESK_EMAIL: 'desk' }, 'FRONT_DESK_EMAIL must be an email address'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ NOTIFICATION_DISPATCH: 'maybe' }, 'NOTIFICATION_DISPATCH must be on or off'],
    [{ CORS_ORIGINS: 'https://ok.example,nope' }, 'CORS_ORIGINS'],
    [{ NOTIFICATION_MAX_ATTEMPTS: '0' }, 'NOTIFICATION_MAX_ATTEMPTS must be at least 1'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 32 characters'],
    [
      { BOOTSTRAP_ADMIN_EMAIL: 'a@b.example', BOOTSTRAP_ADMIN_PASSWORD: 'short' },
      'BOOTSTRAP_ADMIN_PASSWORD must be at least 12',
    ],
    [{ BOOTSTRAP_ADMIN_EMAIL: 'a@b.example' }, 'BOOTSTRAP_ADMIN_PASSWORD must be set together'],
    [
      { BOOTSTRAP_ADMIN_EMAIL: 'a@b.example', BOOTSTRAP_ADMIN_PASSWORD: 'password1234' },
      'BOOTSTRAP_ADMIN_PASSWORD is one of the most common passwords',
    ],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, 'DATABASE_URL is required in production'],
    [{ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/x' }, 'JWT_SECRET is required in production'],
    [
      {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db/x',
        JWT_SECRET: 'change-me-to-a-long-random-secret-of-32-chars-or-more',
      },
      'JWT_SECRET is a published example',
    ],
  ])('refuses %j in one line naming the variable', (env, expected) => {
    const message = problemsOf(env as Record<string, string>);
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  it('never echoes a value, since some are secrets', () => {
    const message = problemsOf({
      DATABASE_URL: 'postgres-ish://user:hunter2@db',
      JWT_SECRET: 'tooshort-hunter3',
    });
    expect(message).not.toContain('hunter2');
    expect(message).not.toContain('hunter3');
  });
});
