/**
 * The raw-SQL limit the app is measured against: node:http + pg, no framework, no ORM, no
 * validation library, the same statements in one transaction and the same pool size as the
 * app. Serves the three benchmarked paths: POST /api/v1/bookings, GET /api/v1/slots and
 * GET /api/v1/admin/bookings (first page). Run: node -r ts-node/register bench/baseline.ts
 */
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { dataSourceOptions } from '../src/database/data-source.options';
import { newManageToken, newReference } from '../src/bookings/booking-codes';
import { LIST_COLUMNS, LIST_FROM } from '../src/bookings/admin-bookings.service';
import { BOOK_SQL, type BookRow } from '../src/bookings/bookings.service';
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
 * the booking statement (patient, booking, then the place), then the notifications; a place
 * not taken rolls back and reads the slot to say why.
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
  const client = await pool.connect();
  let released = false;
  const release = () => {
    released = true;
    client.release();
  };
  try {
    await client.query('BEGIN');
    const { token, hash } = newManageToken();
    // As the app: a reference already taken (no booking id) is drawn again.
    let reference = '';
    let booked: BookRow | undefined;
    for (let attempt = 0; !booked?.id && attempt < 5; attempt++) {
      reference = newReference();
      [booked] = (
        await client.query(BOOK_SQL, [
          patient.firstName,
          patient.lastName,
          patient.email.toLowerCase(),
          '+31612345678',
          patient.dateOfBirth,
          'en',
          reference,
          slotId,
          hash,
          null,
          earliest,
        ])
      ).rows;
    }
    if (!booked?.id) throw new Error('could not draw an unused booking reference');
    if (booked.slotId === null) {
      await client.query('ROLLBACK');
      release();
      await pool.query(FIND_SLOT_SQL, [slotId]);
      return refuse(res, slotId);
    }
    const [startsAt, endsAt] = [booked.startsAt!, booked.endsAt!];
    const payload = JSON.stringify({
      reference,
      slotId,
      startsAt,
      endsAt,
      firstName: patient.firstName,
      lastName: patient.lastName,
      sequence: 0,
    });
    await client.query(
      `INSERT INTO notification (booking_id, kind, recipient, locale, not_before, payload, secret)
       VALUES ($1, 'booking_confirmed', $2, 'en', $3, $4::jsonb, $5), ($1, 'reminder', $2, 'en', $6, $4::jsonb, $5)`,
      [
        booked.id,
        patient.email,
        now,
        payload,
        token,
        new Date(startsAt.getTime() - REMINDER_HOURS * 3600_000),
      ],
    );
    await client.query('COMMIT');
    release();
    send(res, 201, {
      id: booked.id,
      reference,
      status: 'booked',
      slot: { id: slotId, startsAt, endsAt },
      patient: { firstName: patient.firstName, lastName: patient.lastName, email: patient.email },
      createdAt: booked.createdAt,
      manageToken: token,
    });
  } catch (error) {
    if (!released) {
      await client.query('ROLLBACK').catch(() => undefined);
      release();
    }
    throw error;
  }
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
