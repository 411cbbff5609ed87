import { connect, Socket } from 'node:net';
import type { Pool } from 'pg';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { bookingBody, newSlot } from './support/factories';
import { eventually } from './support/mail';
import { seedVolume } from './support/seed';

/** CSV exports whose clients stop reading must not starve patients of the database pool. */
describe('CSV exports that stop being read', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await startTestApp({
      EXPORT_IDLE_TIMEOUT_MS: '1500',
      EXPORT_MAX_CONCURRENT: '2',
      BOOKING_MIN_NOTICE_MINUTES: '0',
    });
    // Far more CSV than the sockets' buffers hold, so that a client that stops reading stalls it.
    await seedVolume(t.dataSource, { slots: 7_000, patients: 20_000, bookings: 60_000 });
    token = (await signedInStaff(t)).token;
  });
  afterAll(() => t.close());

  /** An export whose client reads nothing: answers the socket and, later, what it then reads. */
  async function stalledExport(): Promise<{ socket: Socket; received: () => Promise<string> }> {
    const url = new URL(t.url);
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(Number(url.port), url.hostname, () => resolve(s));
      s.on('error', reject);
    });
    socket.write(
      `GET /api/v1/admin/bookings?format=csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    socket.pause();
    socket.on('error', () => undefined); // a dropped export may end in a reset
    let data = '';
    const received = () =>
      new Promise<string>((resolve) => {
        socket.on('data', (chunk) => (data += chunk));
        socket.resume();
        setTimeout(() => {
          socket.destroy();
          resolve(data);
        }, 500);
      });
    return { socket, received };
  }

  const pool = () => (t.dataSource.driver as unknown as { master: Pool }).master;

  it('runs a few at once, answers patients meanwhile, and drops the stalled ones after the idle timeout', async () => {
    const exports = await Promise.all(Array.from({ length: 22 }, () => stalledExport()));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // At most two exports hold a connection (the rest were refused): the pool is back to two in
    // use once the other requests' short queries are done.
    await eventually(async () => expect(pool().totalCount - pool().idleCount).toBeLessThanOrEqual(2), 3_000);
    const slot = await newSlot(t.dataSource, { capacity: 1 });
    expect((await t.http.post('/api/v1/bookings', bookingBody(slot.id))).status).toBe(201);
    expect((await t.http.get('/health/ready')).status).toBe(200);
    expect((await t.http.get('/api/v1/slots')).status).toBe(200);

    // The two running exports cannot finish (their clients read nothing and the CSV is far
    // larger than the sockets' buffers): their connections come back because they were dropped.
    await eventually(async () => expect(pool().totalCount - pool().idleCount).toBe(0), 10_000);
    const answers = await Promise.all(exports.map((e) => e.received()));
    const refused = answers.filter((a) => a.startsWith('HTTP/1.1 429'));
    expect(refused).toHaveLength(20);
    expect(refused[0]).toContain('application/problem+json');
    // And the next export runs to its end.
    const complete = await t.http.get('/api/v1/admin/bookings?format=csv&limit=1', { token });
    expect(complete.status).toBe(200);
    expect(complete.text.split('\n').length).toBeGreaterThan(60_000);
  });
});
