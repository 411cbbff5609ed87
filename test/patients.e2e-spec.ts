import { BookingLifecycle } from '../src/bookings/booking-lifecycle';
import { applyRetention } from '../src/jobs/retention.job';
import { PatientRecordQueries } from '../src/patients/patient.queries';
import { signedInStaff, startTestApp, TestApp } from './support/app';
import { bookingBody, daysFromNow, newSlot } from './support/factories';
import { expectProblem } from './support/http';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

/** Every (table, column) of a text-like type in the public schema. */
async function textColumns(t: TestApp): Promise<{ table: string; column: string }[]> {
  return t.dataSource.query(
    `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
     WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character', 'jsonb', 'date')`,
  );
}

async function whereFound(t: TestApp, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const { table, column } of await textColumns(t)) {
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM "${table}" WHERE lower("${column}"::text) LIKE '%' || lower($1) || '%'`,
      [needle],
    );
    if (n > 0) found.push(`${table}.${column}`);
  }
  return found;
}

describe('patient records', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let receptionist: string;
  let admin: string;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({
      SMTP_URL: smtp.url,
      NOTIFICATION_POLL_MS: '50',
      BOOKING_MIN_NOTICE_MINUTES: '0',
    });
    receptionist = (await signedInStaff(t, 'receptionist')).token;
    admin = (await signedInStaff(t, 'admin')).token;
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const book = async (
    slotId: string,
    patient: Record<string, unknown>,
    headers: Record<string, string> = {},
    notes = 'afraid of needles',
  ) => {
    const response = await t.http.post('/api/v1/bookings', bookingBody(slotId, patient, { notes }), {
      headers,
    });
    expect(response.status).toBe(201);
    return response.json as { id: string; reference: string };
  };

  it('finds patients by name or phone, and shows one with all their bookings', async () => {
    const [a, b] = [
      await newSlot(t.dataSource, { capacity: 2 }),
      await newSlot(t.dataSource, { capacity: 2 }),
    ];
    const patient = {
      firstName: 'Émile',
      lastName: 'Bakker',
      email: 'emile.bakker@example.nl',
      phone: '06 2345 6789',
      dateOfBirth: '1966-06-06',
    };
    await book(a.id, patient);
    await book(b.id, patient);
    const found = await t.http.get('/api/v1/admin/patients?q=emile', { token: receptionist });
    expect(found.json).toMatchObject({
      total: 1,
      data: [{ lastName: 'Bakker', phone: '+31623456789', dateOfBirth: '1966-06-06' }],
    });
    const byPhone = await t.http.get(`/api/v1/admin/patients?q=${encodeURIComponent('+31 6 23456789')}`, {
      token: receptionist,
    });
    expect(byPhone.json.total).toBe(1);
    // By date of birth, as the front desk types it.
    const byBirth = await t.http.get('/api/v1/admin/patients?q=06-06-1966', { token: receptionist });
    expect(byBirth.json.data.map((p: { email: string }) => p.email)).toContain('emile.bakker@example.nl');
    const id = found.json.data[0].id;
    const detail = await t.http.get(`/api/v1/admin/patients/${id}`, { token: receptionist });
    expect(detail.json).toMatchObject({ id, email: 'emile.bakker@example.nl' });
    expect(detail.json.bookings.map((x: { slotId: string }) => x.slotId).sort()).toEqual([a.id, b.id].sort());
    expectProblem(
      await t.http.get('/api/v1/admin/patients/4a0e2b1c-0000-4000-8000-000000000000', {
        token: receptionist,
      }),
      404,
    );
    expectProblem(await t.http.get('/api/v1/admin/patients'), 401);
  });

  it('lets staff correct a record: only the fields given, a 409 for another patient’s identity, and the booking no longer flagged', async () => {
    const [a, b] = [
      await newSlot(t.dataSource, { capacity: 2 }),
      await newSlot(t.dataSource, { capacity: 2 }),
    ];
    const person = { email: 'fix.me@example.nl', dateOfBirth: '1971-07-07' };
    await book(a.id, { ...person, firstName: 'Jan', lastName: 'Jansen', phone: '06 3456 7890' });
    // A later booking submits other details: flagged, the record unchanged.
    const later = await book(b.id, {
      ...person,
      firstName: 'Johannes',
      lastName: 'Jansen',
      phone: '06 4321 8765',
    });
    const flagged = async () =>
      (await t.http.get(`/api/v1/admin/bookings?q=${later.reference}`, { token: receptionist })).json.data[0]
        .submittedDetails;
    expect(await flagged()).toEqual({ firstName: 'Johannes', lastName: 'Jansen', phone: '+31643218765' });
    const [{ id }] = await t.dataSource.query(`SELECT id FROM patient WHERE email = 'fix.me@example.nl'`);

    const fixed = await t.http.patch(
      `/api/v1/admin/patients/${id}`,
      { firstName: 'Johannes', phone: '+31 6 43218765' },
      { token: receptionist },
    );
    expect(fixed.status).toBe(200);
    expect(fixed.json).toMatchObject({
      id,
      firstName: 'Johannes',
      lastName: 'Jansen',
      phone: '+31643218765',
      locale: 'en',
    });
    expect(await flagged()).toBeNull();

    await book(a.id, { email: 'someone.else@example.nl', dateOfBirth: '1980-01-01' });
    const clash = expectProblem(
      await t.http.patch(
        `/api/v1/admin/patients/${id}`,
        { email: 'Someone.Else@example.nl', dateOfBirth: '1980-01-01' },
        { token: receptionist },
      ),
      409,
    );
    expect(clash.type).toMatch(/patient-exists$/);
    const invalid = expectProblem(
      await t.http.patch(
        `/api/v1/admin/patients/${id}`,
        { phone: '12345', firstName: '' },
        { token: receptionist },
      ),
      400,
    );
    expect(invalid.errors!.map((e) => e.field).sort()).toEqual(['firstName', 'phone']);
    expectProblem(
      await t.http.patch(
        `/api/v1/admin/patients/4a0e2b1c-0000-4000-8000-000000000000`,
        { locale: 'nl' },
        { token: receptionist },
      ),
      404,
    );
    const [row] = await t.dataSource.query(
      `SELECT first_name, email, date_of_birth::text AS dob FROM patient WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ first_name: 'Johannes', email: 'fix.me@example.nl', dob: '1971-07-07' });
  });

  it('exports everything held about a patient as JSON', async () => {
    const slot = await newSlot(t.dataSource, { capacity: 2 });
    await book(slot.id, { firstName: 'Export', lastName: 'Me', email: 'export.me@example.nl' });
    const [{ id }] = await t.dataSource.query(`SELECT id FROM patient WHERE email = 'export.me@example.nl'`);
    const exported = await t.http.get(`/api/v1/admin/patients/${id}/export`, { token: receptionist });
    expect(exported.status).toBe(200);
    expect(exported.json).toMatchObject({
      exportedAt: expect.any(String),
      patient: { id, firstName: 'Export', lastName: 'Me', email: 'export.me@example.nl' },
      bookings: [
        {
          slotId: slot.id,
          status: 'booked',
          notes: 'afraid of needles',
          source: 'online',
          consentAt: expect.any(String),
        },
      ],
    });
    expect(exported.json.notifications.map((n: { kind: string }) => n.kind)).toContain('booking_confirmed');
  });

  it('erases a patient (admins only): no former detail anywhere, future bookings cancelled without email, statistics kept', async () => {
    const details = {
      firstName: 'Zoë',
      lastName: 'Verwijderd',
      email: 'zoe.verwijderd@example.nl',
      phone: '06 1111 2222',
      dateOfBirth: '1971-07-17',
    };
    const past = await newSlot(t.dataSource, { capacity: 3, startsAt: daysFromNow(3, 9 * 60) });
    const future = await newSlot(t.dataSource, { capacity: 3, startsAt: daysFromNow(20, 9 * 60) });
    const old = await book(past.id, details, { 'idempotency-key': 'erase-me-key' }, 'Zoë fears needles');
    const upcoming = await book(future.id, details, {}, 'Zoë fears needles');
    await smtp.waitFor(2, (m) => (m.subject ?? '').includes('booked') && m.text!.includes('Verwijderd'));
    // The first appointment is over and was attended.
    await t.dataSource.query(
      `UPDATE slot SET starts_at = now() - interval '2 days', ends_at = now() - interval '2 days' + interval '30 minutes' WHERE id = $1`,
      [past.id],
    );
    await t.http.patch(`/api/v1/admin/bookings/${old.id}`, { status: 'attended' }, { token: receptionist });
    const [{ id }] = await t.dataSource.query(`SELECT id FROM patient WHERE email = $1`, [details.email]);

    expectProblem(await t.http.delete(`/api/v1/admin/patients/${id}`, { token: receptionist }), 403);
    const erased = await t.http.delete(`/api/v1/admin/patients/${id}`, { token: admin });
    expect(erased.status).toBe(204);
    expectProblem(await t.http.delete(`/api/v1/admin/patients/${id}`, { token: admin }), 404);

    for (const needle of [
      'Verwijderd',
      'zoe.verwijderd',
      '+31611112222',
      '1971-07-17',
      'fears needles',
      'Zoë',
    ]) {
      expect({ needle, foundIn: await whereFound(t, needle) }).toEqual({ needle, foundIn: [] });
    }
    // Statistics stay: the attended visit, the cancelled future one, and the slot counts.
    const statuses = await t.dataSource.query(
      `SELECT id, status, cancelled_by FROM booking WHERE patient_id = $1 ORDER BY created_at`,
      [id],
    );
    expect(statuses).toEqual([
      { id: old.id, status: 'attended', cancelled_by: null },
      { id: upcoming.id, status: 'cancelled', cancelled_by: 'staff' },
    ]);
    const [{ booked_count }] = await t.dataSource.query(`SELECT booked_count FROM slot WHERE id = $1`, [
      future.id,
    ]);
    expect(booked_count).toBe(0);
    // Not findable by any former detail, in any response.
    for (const q of ['Verwijderd', 'zoe.verwijderd@example.nl', '06 1111 2222']) {
      expect(
        (await t.http.get(`/api/v1/admin/patients?q=${encodeURIComponent(q)}`, { token: receptionist })).json
          .total,
      ).toBe(0);
      expect(
        (await t.http.get(`/api/v1/admin/bookings?q=${encodeURIComponent(q)}`, { token: receptionist })).json
          .total,
      ).toBe(0);
    }
    expectProblem(await t.http.get(`/api/v1/admin/patients/${id}`, { token: receptionist }), 404);
    // No email about the cancelled future booking went out after the erasure.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      smtp.messages.filter(
        (m) => (m.subject ?? '').includes(upcoming.reference) && /cancel/i.test(m.subject ?? ''),
      ),
    ).toHaveLength(0);
    const audit = await t.http.get(`/api/v1/admin/audit?action=patient.erase&recordId=${id}`, {
      token: admin,
    });
    expect(audit.json.total).toBe(1);
  });

  it('erases, on the retention run, patients whose last appointment is older than RETENTION_MONTHS', async () => {
    const oldSlot = await newSlot(t.dataSource, { capacity: 2 });
    const recentSlot = await newSlot(t.dataSource, { capacity: 2 });
    await book(oldSlot.id, { lastName: 'Longago', email: 'long.ago@example.nl' });
    await book(recentSlot.id, { lastName: 'Recently', email: 'recently@example.nl' });
    await t.dataSource.query(
      `UPDATE slot SET starts_at = now() - interval '25 months', ends_at = now() - interval '25 months' + interval '30 minutes' WHERE id = $1`,
      [oldSlot.id],
    );
    expect(await applyRetention(t.app.get(PatientRecordQueries), t.app.get(BookingLifecycle))).toEqual({
      due: 1,
      erased: 1,
      failed: 0,
    });
    expect(await whereFound(t, 'long.ago@example.nl')).toEqual([]);
    expect(
      (await t.dataSource.query(`SELECT 1 FROM patient WHERE email = 'recently@example.nl'`)).length,
    ).toBe(1);
    const [event] = await t.dataSource.query(
      `SELECT actor_type, actor_id FROM audit_event WHERE action = 'patient.erase' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(event).toEqual({ actor_type: 'system', actor_id: null });
  });
});
