/** What the global set-up hands to every test file through the environment. */
export const TEST_ENV = {
  /** URL of the server's maintenance database (`postgres`), as a superuser. */
  adminUrl: 'CLINIC_TEST_ADMIN_URL',
  /** Identifies this run's databases: `cb_<run>_template`, `cb_<run>_<file>`. */
  runId: 'CLINIC_TEST_RUN_ID',
  /** Folder of the embedded cluster this run started, if any. */
  embeddedDir: 'CLINIC_TEST_EMBEDDED_DIR',
  /** The patient pages, built for this run (a folder of its own: `npm start` may rebuild dist meanwhile). */
  pagesDir: 'CLINIC_TEST_PAGES_DIR',
} as const;

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is not set: run the tests through jest (npm test)`);
  return value;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
