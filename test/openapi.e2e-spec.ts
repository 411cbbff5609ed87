import { ERROR_CATALOGUE } from '../src/common/domain-error';
import { startTestApp, TestApp } from './support/app';

interface Operation {
  responses: Record<string, unknown>;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
}

describe('OpenAPI document', () => {
  let t: TestApp;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let document: any;
  beforeAll(async () => {
    t = await startTestApp();
    document = (await t.http.get('/docs-json')).json;
  });
  afterAll(() => t.close());

  const operation = (method: string, path: string): Operation => document.paths[path]?.[method];

  it('serves the UI at /docs', async () => {
    const response = await t.http.get('/docs');
    expect(response.status).toBe(200);
    expect(response.contentType).toMatch(/text\/html/);
    expect(response.text).toContain('swagger');
  });

  it('describes every endpoint the app serves', () => {
    const documented = Object.entries(document.paths as Record<string, object>).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(
      [
        'GET /health',
        'GET /health/ready',
        'GET /metrics',
        'POST /api/v1/auth/login',
        'POST /api/v1/admin/staff',
        'GET /api/v1/admin/staff',
        'PATCH /api/v1/admin/staff/{id}',
        'POST /api/v1/admin/staff/{id}/password',
        'POST /api/v1/auth/password',
        'GET /api/v1/slots',
        'GET /api/v1/slots/days',
        'POST /api/v1/bookings/lookup',
        'POST /api/v1/admin/slots',
        'GET /api/v1/admin/slots',
        'POST /api/v1/admin/slots/bulk',
        'PATCH /api/v1/admin/slots/{id}',
        'POST /api/v1/bookings',
        'GET /api/v1/bookings/{reference}',
        'POST /api/v1/bookings/{reference}/cancel',
        'POST /api/v1/bookings/{reference}/reschedule',
        'GET /api/v1/admin/notifications',
        'POST /api/v1/admin/notifications/{id}/retry',
        'GET /api/v1/admin/bookings',
        'PATCH /api/v1/admin/bookings/{id}',
        'POST /api/v1/admin/bookings',
        'POST /api/v1/admin/bookings/{id}/reschedule',
        'POST /api/v1/admin/bookings/{id}/resend',
        'POST /api/v1/admin/closures',
        'GET /api/v1/admin/closures',
        'DELETE /api/v1/admin/closures/{id}',
        'GET /api/v1/admin/day',
        'POST /api/v1/admin/slots/{id}/cancel',
        'GET /api/v1/admin/patients',
        'GET /api/v1/admin/patients/{id}',
        'PATCH /api/v1/admin/patients/{id}',
        'GET /api/v1/admin/patients/{id}/export',
        'DELETE /api/v1/admin/patients/{id}',
        'GET /api/v1/admin/audit',
      ].sort(),
    );
  });

  it('documents bodies with their fields, answers and errors', () => {
    const login = operation('post', '/api/v1/auth/login');
    const loginBody = login.requestBody!.content['application/json'].schema.$ref!.split('/').pop()!;
    expect(Object.keys(document.components.schemas[loginBody].properties)).toEqual(['email', 'password']);
    expect(Object.keys(login.responses).sort()).toEqual(['200', '400', '401', '429']);

    const createStaff = operation('post', '/api/v1/admin/staff');
    expect(createStaff.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(createStaff.responses).sort()).toEqual(['201', '400', '401', '403', '409']);
    expect(document.components.schemas.ProblemDto.properties).toHaveProperty('errors');
    expect(document.components.schemas.StaffDto.properties).not.toHaveProperty('passwordHash');

    const book = operation('post', '/api/v1/bookings');
    expect(Object.keys(book.responses).sort()).toEqual([
      '201',
      '400',
      '404',
      '409',
      '413',
      '415',
      '422',
      '429',
    ]);
    const patient = document.components.schemas.PatientDto.properties;
    expect(Object.keys(patient).sort()).toEqual(['dateOfBirth', 'email', 'firstName', 'lastName', 'phone']);
    // One schema per name: the front desk's patient record is a schema of its own.
    expect(Object.keys(document.components.schemas.PatientRecordDto.properties)).toContain('id');
    expect(Object.keys(document.components.schemas.BookingCreatedDto.properties)).toContain('manageToken');
    expect(Object.keys(document.components.schemas.BookingDto.properties)).not.toContain('manageToken');
  });

  it('publishes the error catalogue: every code with its type, status and title', async () => {
    const published = document['x-problem-types'] as {
      code: string;
      type: string;
      status: number;
      title: string;
    }[];
    expect(published.map((p) => p.code).sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
    const full = published.find((p) => p.code === 'slot-full')!;
    expect(full).toEqual({
      code: 'slot-full',
      type: 'https://clinic-booking.dev/problems/slot-full',
      status: 409,
      title: 'Slot fully booked',
    });
    // An answer carries the catalogue's status and title for its code.
    const unknown = await t.http.get('/api/v1/bookings/B12-AAAAAA', {
      headers: { 'x-booking-token': 'nope' },
    });
    const notFound = published.find((p) => p.code === 'not-found')!;
    expect(unknown.json).toMatchObject({
      type: notFound.type,
      status: notFound.status,
      title: notFound.title,
    });
  });
});
