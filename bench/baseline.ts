/**
 * The raw-SQL limit the app is measured against: node:http + pg, no framework, no ORM, no
 * validation library, the same statements (one, for a booking) and the same pool size as the
 * app. Serves the three benchmarked paths: POST /api/v1/bookings, GET /api/v1/slots and
 * GET /api/v1/admin/bookings (first page). Run: node -r ts-node/register bench/baseline.ts
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { dataSourceOptions } from '../src/database/data-source.options';
import { newManageToken, newReference } from '../src/bookings/booking-codes';
import { LIST_COLUMNS, LIST_FROM } from '../src/bookings/admin-bookings.service';
import { BOOK_SQL, bookParameters, type BookRow } from '../src/bookings/bookings.service';
import { RefusalHints } from '../src/bookings/refusal-hints';
import { AVAILABLE_SLOTS_SQL, encodeCursor, FIND_SLOT_SQL } from '../src/slots/slots.service';

// The app's pool: the same size and settings (connections kept open once opened, the same
// timeouts), so that the two are measured on equal terms; importing them also sets the app's
// `date` type parser.
const POOL_SIZE = Number(process.env.POOL_SIZE ?? 20);
const { extra } = dataSourceOptions(process.env.DATABASE_URL!, { poolSize: POOL_SIZE });
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE, ...extra });
const REMINDER_HOURS = 24;
const MIN_NOTICE_MINUTES = 60;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let data = '';
  for await (const chunk of req) data += chunk;
  return JSON.parse(data);
}

const refusals = new RefusalHints();

function refuse(res: ServerResponse, slotId: string): void {
  refusals.note(slotId);
  send(res, 409, { type: 'slot-full', title: 'Conflict', status: 409, detail: 'This slot is fully booked.' });
}

/** Whether a slot as read can take a booking now (the app's checks, in short). */
function looksBookable(
  slot: { status: string; startsAt: Date; bookedCount: number; capacity: number } | undefined,
  earliest: Date,
) {
  return !!slot && slot.status === 'open' && slot.startsAt > earliest && slot.bookedCount < slot.capacity;
}

/**
 * The app's statements in the app's order: a slot refused a moment ago is read first; else
 * the booking statement (the place, the patient, the booking, its emails: atomic by itself),
 * drawn again under another reference on a collision; a place not taken reads the slot to say
 * why.
 */
async function book(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const patient = body.patient as Record<string, string>;
  const slotId = body.slotId as string;
  const now = new Date();
  const earliest = new Date(now.getTime() + MIN_NOTICE_MINUTES * 60_000);
  if (refusals.has(slotId)) {
    const { rows } = await pool.query(FIND_SLOT_SQL, [slotId]);
    if (!looksBookable(rows[0], earliest)) return refuse(res, slotId);
  }
  const { token, hash } = newManageToken();
  const details = {
    firstName: patient.firstName,
    lastName: patient.lastName,
    email: patient.email.toLowerCase(),
    phone: '+31612345678',
    dateOfBirth: patient.dateOfBirth,
    locale: 'en' as const,
  };
  const emails = {
    payload: JSON.stringify({
      slotId,
      firstName: patient.firstName,
      lastName: patient.lastName,
      sequence: 0,
    }),
    secret: token,
    reminderHours: REMINDER_HOURS,
    frontDesk: null,
  };
  let reference = '';
  let booked: BookRow | undefined;
  for (let attempt = 1; !booked; attempt++) {
    reference = newReference();
    try {
      const parameters = bookParameters({
        details,
        reference,
        slotId,
        tokenHash: hash,
        notes: null,
        earliest,
        now,
        emails,
      });
      [booked] = (await pool.query<BookRow>(BOOK_SQL, parameters)).rows;
    } catch (error) {
      if (attempt < 5 && (error as { constraint?: string }).constraint === 'booking_reference_unique')
        continue;
      throw error;
    }
  }
  if (booked.id === null) {
    await pool.query(FIND_SLOT_SQL, [slotId]);
    return refuse(res, slotId);
  }
  send(res, 201, {
    id: booked.id,
    reference,
    status: 'booked',
    slot: { id: slotId, startsAt: booked.startsAt, endsAt: booked.endsAt },
    patient: { firstName: patient.firstName, lastName: patient.lastName, email: patient.email },
    createdAt: booked.createdAt,
    manageToken: token,
  });
}

async function slots(url: URL, res: ServerResponse): Promise<void> {
  const now = new Date();
  const from = new Date(url.searchParams.get('from') ?? now);
  const to = new Date(url.searchParams.get('to') ?? from.getTime() + 28 * 86_400_000);
  const limit = Number(url.searchParams.get('limit') ?? 50);
  const { rows } = await pool.query(AVAILABLE_SLOTS_SQL, [
    from,
    to,
    new Date(now.getTime() + MIN_NOTICE_MINUTES * 60_000),
    '1970-01-01T00:00:00Z',
    '00000000-0000-0000-0000-000000000000',
    limit + 1,
  ]);
  const page = rows.slice(0, limit);
  send(res, 200, {
    data: page,
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null,
  });
}

async function adminBookings(res: ServerResponse): Promise<void> {
  const [page, count] = await Promise.all([
    pool.query(
      `SELECT ${LIST_COLUMNS} ${LIST_FROM} ORDER BY s.starts_at ASC, b.id ASC LIMIT $1 OFFSET $2`,
      [50, 0],
    ),
    // The same total the app runs when no filter needs a join.
    pool.query(`SELECT count(*)::int AS total FROM booking b`),
  ]);
  send(res, 200, { data: page.rows, total: count.rows[0].total, limit: 50, offset: 0 });
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const handle = async () => {
    if (req.method === 'POST' && url.pathname === '/api/v1/bookings') return book(await readJson(req), res);
    if (req.method === 'GET' && url.pathname === '/api/v1/slots') return slots(url, res);
    if (req.method === 'GET' && url.pathname === '/api/v1/admin/bookings') return adminBookings(res);
    send(res, 404, { status: 404 });
  };
  handle().catch((error: Error) => send(res, 500, { status: 500, detail: error.message }));
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('baseline ready\n'));
