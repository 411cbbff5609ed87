import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  addDays,
  api,
  ApiError,
  config,
  formatDate,
  formatTime,
  Heading,
  LanguageSwitch,
  Notice,
  normaliseDate,
  type Problem,
  problemText,
  t,
  todayLocal,
  useLoad,
} from './common';
import {
  Bookings,
  Outbox,
  OwnPassword,
  Patients,
  refusalText,
  Slots,
  SubmitOrClose,
  Staff,
  type StaffApi,
} from './desk-screens';

/**
 * The front desk's console (/desk): sign in, then the day sheet, run from the keyboard or the
 * mouse. It calls the same staff API as any client. The token lives in this tab's
 * sessionStorage only, and the console signs out at its expiry or when the API refuses it.
 */
const SESSION = 'desk-session';

interface Session {
  token: string;
  expiresAt: number;
}

interface SheetBooking {
  id: string;
  reference: string;
  status: 'booked' | 'cancelled' | 'attended' | 'no_show';
  source: 'online' | 'staff';
  notes: string | null;
  patient: {
    id: string;
    firstName: string;
    lastName: string;
    phone: string;
    dateOfBirth: string;
    email: string;
  };
}
interface SheetSlot {
  id: string;
  startsAt: string;
  endsAt: string;
  capacity: number;
  bookedCount: number;
  status: 'open' | 'closed' | 'cancelled';
  notes: string | null;
  bookings: SheetBooking[];
}
interface Sheet {
  date: string;
  closure: { reason: string } | null;
  slots: SheetSlot[];
}

function readSession(): Session | undefined {
  const stored = sessionStorage.getItem(SESSION);
  if (!stored) return undefined;
  const session = JSON.parse(stored) as Session;
  return session.expiresAt > Date.now() ? session : undefined;
}

/** The role in the token (for what the console shows; the API decides what is allowed). */
function roleOf(token: string): string | undefined {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return (JSON.parse(atob(payload)) as { role?: string }).role;
  } catch {
    return undefined;
  }
}

type Screen = 'today' | 'slots' | 'bookings' | 'patients' | 'outbox' | 'staff' | 'account';
const SCREENS: { screen: Screen; label: Parameters<typeof t>[0]; adminOnly?: boolean }[] = [
  { screen: 'today', label: 'desk.navToday' },
  { screen: 'slots', label: 'desk.navSlots' },
  { screen: 'bookings', label: 'desk.navBookings' },
  { screen: 'patients', label: 'desk.navPatients' },
  { screen: 'outbox', label: 'desk.navOutbox' },
  { screen: 'staff', label: 'desk.navStaff', adminOnly: true },
  { screen: 'account', label: 'desk.ownPassword' },
];

function SignIn({ onSignedIn, reason }: { onSignedIn: (s: Session) => void; reason?: string }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api<{ accessToken: string; expiresIn: number }>('POST', '/auth/login', {
        body: { email: String(form.get('email')).trim(), password: String(form.get('password')) },
      });
      onSignedIn({ token: answer.accessToken, expiresAt: Date.now() + answer.expiresIn * 1000 });
    } catch (e) {
      const problem = (e as ApiError).problem;
      setError(problem.status === 401 ? t('desk.badLogin') : problemText(problem));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <Heading>{t('desk.signIn')}</Heading>
      {reason && <Notice kind="info">{reason}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      <form onSubmit={submit}>
        <label for="email">{t('field.email')}</label>
        <input id="email" name="email" type="email" autoComplete="username" required />
        <label for="password">{t('desk.password')}</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <div class="row">
          <button type="submit" disabled={busy} data-action="sign-in">
            {t('desk.signIn')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** One booking on the sheet, with its actions; its forms keep their input across refreshes. */
function BookingRow({
  booking,
  slot,
  call,
  changed,
}: {
  booking: SheetBooking;
  slot: SheetSlot;
  call: StaffApi;
  changed: () => void;
}) {
  const [open, setOpen] = useState<'cancel' | 'correct' | 'move' | undefined>();
  const [reason, setReason] = useState('');
  const [correctTo, setCorrectTo] = useState<'attended' | 'no_show' | 'booked'>('booked');
  const [moveDate, setMoveDate] = useState(todayLocal());
  const [moveSlots, setMoveSlots] =
    useState<{ id: string; startsAt: string; capacity: number; bookedCount: number }[]>();
  const [moveTo, setMoveTo] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const [news, setNews] = useState<string>();
  const name = `${booking.patient.firstName} ${booking.patient.lastName}`;

  const run = async (work: () => Promise<unknown>, done: string) => {
    setProblem(undefined);
    setNews(undefined);
    try {
      await work();
      setNews(done);
      setOpen(undefined);
      setReason('');
      changed();
    } catch (e) {
      setProblem((e as ApiError).problem);
    }
  };
  useLoad(
    async () => {
      if (open !== 'move') return undefined;
      setMoveSlots(undefined);
      setMoveTo('');
      return call<{ data: NonNullable<typeof moveSlots> }>(
        'GET',
        `/admin/slots?from=${moveDate}&to=${moveDate}&status=open&limit=200`,
      );
    },
    (answer) => {
      if (!answer) return;
      const free = answer.data.filter((s) => s.bookedCount < s.capacity && s.id !== slot.id);
      setMoveSlots(free);
      setMoveTo(free[0]?.id ?? '');
    },
    (e) => setProblem(e.problem),
    [open, moveDate],
  );

  const status = booking.status;
  return (
    <li class="booking" data-booking={booking.reference}>
      <p>
        <strong>{name}</strong> · {booking.patient.phone} ·{' '}
        {t('desk.born', { date: booking.patient.dateOfBirth })} · {booking.reference} ·{' '}
        <span class={`status status-${status}`}>{t(`status.${status}`)}</span>
        {booking.source === 'staff' && <> · {t('desk.byPhone')}</>}
      </p>
      {booking.notes && <p class="hint">{booking.notes}</p>}
      {problem && <Notice kind="error">{refusalText(problem)}</Notice>}
      {news && <Notice kind="info">{news}</Notice>}
      <div class="row">
        {status === 'booked' && (
          <>
            <button
              type="button"
              data-action="attended"
              onClick={() =>
                run(
                  () => call('PATCH', `/admin/bookings/${booking.id}`, { status: 'attended' }),
                  t('desk.updated'),
                )
              }
            >
              {t('desk.attended')}
            </button>
            <button
              type="button"
              data-action="no-show"
              class="secondary"
              onClick={() =>
                run(
                  () => call('PATCH', `/admin/bookings/${booking.id}`, { status: 'no_show' }),
                  t('desk.updated'),
                )
              }
            >
              {t('desk.noShow')}
            </button>
            <button type="button" data-action="move" class="secondary" onClick={() => setOpen('move')}>
              {t('desk.move')}
            </button>
            <button
              type="button"
              data-action="resend"
              class="secondary"
              onClick={() =>
                run(() => call('POST', `/admin/bookings/${booking.id}/resend`), t('desk.resent'))
              }
            >
              {t('desk.resend')}
            </button>
            <button type="button" data-action="cancel" class="danger" onClick={() => setOpen('cancel')}>
              {t('desk.cancel')}
            </button>
          </>
        )}
        {(status === 'attended' || status === 'no_show') && (
          <button
            type="button"
            data-action="correct"
            class="secondary"
            onClick={() => (setCorrectTo(status === 'attended' ? 'no_show' : 'attended'), setOpen('correct'))}
          >
            {t('desk.confirmCorrect')}
          </button>
        )}
      </div>
      {open === 'cancel' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(
              () =>
                call('PATCH', `/admin/bookings/${booking.id}`, {
                  status: 'cancelled',
                  reason: reason.trim() || undefined,
                }),
              t('desk.updated'),
            );
          }}
        >
          <label for={`reason-${booking.id}`}>{t('desk.reason')}</label>
          <input
            id={`reason-${booking.id}`}
            type="text"
            value={reason}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
          <SubmitOrClose
            label="desk.confirmCancel"
            action="confirm-cancel"
            danger
            onClose={() => setOpen(undefined)}
          />
        </form>
      )}
      {open === 'correct' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(
              () =>
                call('PATCH', `/admin/bookings/${booking.id}`, {
                  status: correctTo,
                  reason: reason.trim() || undefined,
                }),
              t('desk.updated'),
            );
          }}
        >
          <label for={`correct-${booking.id}`}>{t('manage.status')}</label>
          <select
            id={`correct-${booking.id}`}
            value={correctTo}
            onChange={(e) => setCorrectTo((e.target as HTMLSelectElement).value as typeof correctTo)}
          >
            {(['attended', 'no_show', 'booked'] as const)
              .filter((s) => s !== status)
              .map((s) => (
                <option key={s} value={s}>
                  {t(`status.${s}`)}
                </option>
              ))}
          </select>
          <label for={`why-${booking.id}`}>{t('desk.reasonRequired')}</label>
          <input
            id={`why-${booking.id}`}
            type="text"
            value={reason}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
          <SubmitOrClose
            label="desk.confirmCorrect"
            action="confirm-correct"
            onClose={() => setOpen(undefined)}
          />
        </form>
      )}
      {open === 'move' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (moveTo)
              void run(
                () => call('POST', `/admin/bookings/${booking.id}/reschedule`, { slotId: moveTo }),
                t('desk.updated'),
              );
          }}
        >
          <label for={`move-date-${booking.id}`}>{t('desk.moveDate')}</label>
          <input
            id={`move-date-${booking.id}`}
            type="date"
            value={moveDate}
            onChange={(e) => setMoveDate((e.target as HTMLInputElement).value || todayLocal())}
          />
          {moveSlots && moveSlots.length === 0 && <p role="status">{t('desk.noFreeTimes')}</p>}
          {moveSlots && moveSlots.length > 0 && (
            <>
              <label for={`move-to-${booking.id}`}>{t('desk.moveTo')}</label>
              <select
                id={`move-to-${booking.id}`}
                value={moveTo}
                onChange={(e) => setMoveTo((e.target as HTMLSelectElement).value)}
              >
                {moveSlots.map((s) => (
                  <option key={s.id} value={s.id}>
                    {formatTime(s.startsAt)} ({s.capacity - s.bookedCount})
                  </option>
                ))}
              </select>
            </>
          )}
          <SubmitOrClose
            label="desk.confirmMove"
            action="confirm-move"
            disabled={!moveTo}
            onClose={() => setOpen(undefined)}
          />
        </form>
      )}
    </li>
  );
}

/** A patient on the phone booked into a free place: a known one found, or new details. */
function BookInto({
  slot,
  call,
  changed,
  announce,
}: {
  slot: SheetSlot;
  call: StaffApi;
  changed: () => void;
  announce: (news: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [found, setFound] =
    useState<{ id: string; firstName: string; lastName: string; dateOfBirth: string }[]>();
  const [problem, setProblem] = useState<Problem>();
  const [details, setDetails] = useState({
    firstName: '',
    lastName: '',
    email: '',
    phone: '',
    dateOfBirth: '',
  });
  const book = async (body: Record<string, unknown>) => {
    setProblem(undefined);
    try {
      const booked = await call<{ reference: string }>('POST', '/admin/bookings', {
        slotId: slot.id,
        ...body,
      });
      // Said at the top of the sheet: a slot now full shows no booking form (nor its notices).
      announce(t('desk.booked', { reference: booked.reference }));
      setOpen(false);
      changed();
    } catch (e) {
      setProblem((e as ApiError).problem);
    }
  };
  if (!open)
    return (
      <button type="button" class="secondary" data-action="book-here" onClick={() => setOpen(true)}>
        {t('desk.bookHere')}
      </button>
    );
  const field = (name: keyof typeof details, label: Parameters<typeof t>[0]) => (
    <>
      <label for={`new-${name}-${slot.id}`}>{t(label)}</label>
      <input
        id={`new-${name}-${slot.id}`}
        type="text"
        value={details[name]}
        onInput={(e) => setDetails({ ...details, [name]: (e.target as HTMLInputElement).value })}
      />
    </>
  );
  return (
    <div class="book-into">
      {problem && <Notice kind="error">{refusalText(problem)}</Notice>}
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          try {
            const answer = await call<{ data: NonNullable<typeof found> }>(
              'GET',
              `/admin/patients?q=${encodeURIComponent(query.trim())}&limit=10`,
            );
            setFound(answer.data);
          } catch (error) {
            setProblem((error as ApiError).problem);
          }
        }}
      >
        <label for={`find-${slot.id}`}>{t('desk.findPatient')}</label>
        <input
          id={`find-${slot.id}`}
          type="search"
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
        <button type="submit" class="secondary">
          {t('desk.search')}
        </button>
      </form>
      {found && found.length === 0 && <p role="status">{t('desk.noMatches')}</p>}
      {found && found.length > 0 && (
        <ul>
          {found.map((p) => (
            <li key={p.id}>
              <button type="button" data-action="book-known" onClick={() => book({ patientId: p.id })}>
                {t('desk.choose', { name: `${p.firstName} ${p.lastName} (${p.dateOfBirth})` })}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void book({ patient: { ...details, dateOfBirth: normaliseDate(details.dateOfBirth) } });
        }}
      >
        <h4>{t('desk.newPatient')}</h4>
        {field('firstName', 'field.firstName')}
        {field('lastName', 'field.lastName')}
        {field('email', 'field.email')}
        {field('phone', 'field.phone')}
        {field('dateOfBirth', 'field.dateOfBirth')}
        <div class="row">
          <button type="submit" data-action="book-new">
            {t('desk.confirmBook')}
          </button>
          <button type="button" class="secondary" onClick={() => setOpen(false)}>
            {t('desk.close')}
          </button>
        </div>
      </form>
    </div>
  );
}

function Today({ call }: { call: StaffApi }) {
  const [date, setDate] = useState(todayLocal());
  const [sheet, setSheet] = useState<Sheet>();
  const [problem, setProblem] = useState<Problem>();
  const [tick, setTick] = useState(0);
  const [refreshedAt, setRefreshedAt] = useState<string>();
  const [news, setNews] = useState<string>();
  useLoad(
    () => call<Sheet>('GET', `/admin/day?date=${date}`),
    (answer) => {
      setSheet(answer);
      setProblem(undefined);
      setRefreshedAt(formatTime(new Date().toISOString()));
    },
    (e) => setProblem(e.problem),
    [date, tick],
  );
  // The sheet refreshes itself each minute; open forms keep what is being typed (their own state).
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 60_000);
    return () => clearInterval(timer);
  }, []);
  const changed = () => setTick(tick + 1);
  return (
    <section>
      <Heading>{t('desk.dayHeading', { date: formatDate(date) })}</Heading>
      <div class="row">
        <button type="button" class="secondary" onClick={() => setDate(addDays(date, -1))}>
          {t('desk.previousDay')}
        </button>
        <button type="button" class="secondary" onClick={() => setDate(todayLocal())}>
          {t('desk.today')}
        </button>
        <button
          type="button"
          class="secondary"
          data-action="next-day"
          onClick={() => setDate(addDays(date, 1))}
        >
          {t('desk.nextDay')}
        </button>
        <label for="sheet-date" class="sr-only">
          {t('desk.date')}
        </label>
        <input
          id="sheet-date"
          type="date"
          value={date}
          onChange={(e) => setDate((e.target as HTMLInputElement).value || todayLocal())}
        />
      </div>
      {refreshedAt && <p class="hint">{t('desk.refreshed', { time: refreshedAt })}</p>}
      {problem && <Notice kind="error">{problemText(problem)}</Notice>}
      {news && <Notice kind="info">{news}</Notice>}
      {sheet?.closure && <Notice kind="info">{t('desk.closed', { reason: sheet.closure.reason })}</Notice>}
      {sheet && sheet.slots.length === 0 && <p>{t('desk.noSlots')}</p>}
      {sheet?.slots.map((slot) => (
        <article key={slot.id} class="slot" data-slot={slot.id} aria-labelledby={`slot-${slot.id}`}>
          <h3 id={`slot-${slot.id}`}>
            {t('desk.slot', {
              time: formatTime(slot.startsAt),
              booked: slot.bookedCount,
              capacity: slot.capacity,
            })}
            {slot.status === 'closed' && ` (${t('desk.slotClosed')})`}
            {slot.status === 'cancelled' && ` (${t('desk.slotCancelled')})`}
          </h3>
          {slot.bookings.length === 0 ? (
            <p class="hint">{t('desk.noBookings')}</p>
          ) : (
            <ul class="bookings">
              {slot.bookings.map((booking) => (
                <BookingRow key={booking.id} booking={booking} slot={slot} call={call} changed={changed} />
              ))}
            </ul>
          )}
          {slot.status === 'open' &&
            slot.bookedCount < slot.capacity &&
            new Date(slot.startsAt) > new Date() && (
              <BookInto slot={slot} call={call} changed={changed} announce={setNews} />
            )}
        </article>
      ))}
    </section>
  );
}

function Desk() {
  const [session, setSession] = useState<Session | undefined>(readSession);
  const [screen, setScreen] = useState<Screen>('today');
  const [reason, setReason] = useState<string>();
  const signOut = (why?: string) => {
    sessionStorage.removeItem(SESSION);
    setSession(undefined);
    setReason(why);
  };
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => signOut(t('desk.signedOut')), session.expiresAt - Date.now());
    return () => clearTimeout(timer);
  }, [session]);
  const call: StaffApi = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    try {
      return await api(method, path, { bearer: session!.token, body });
    } catch (e) {
      if (e instanceof ApiError && e.problem.status === 401) signOut(t('desk.signedOut'));
      throw e;
    }
  };
  return (
    <main id="main" class="desk">
      <header class="top">
        <p class="clinic">
          {config.clinicName} · {t('desk.title')}
        </p>
        <div class="row">
          <LanguageSwitch />
          {session && (
            <button type="button" class="secondary" data-action="sign-out" onClick={() => signOut()}>
              {t('desk.signOut')}
            </button>
          )}
        </div>
      </header>
      <h1>{t('desk.title')}</h1>
      {session ? (
        <>
          <nav aria-label={t('desk.nav')} class="row">
            {SCREENS.filter((s) => !s.adminOnly || roleOf(session.token) === 'admin').map((s) => (
              <button
                key={s.screen}
                type="button"
                class={screen === s.screen ? '' : 'secondary'}
                aria-current={screen === s.screen ? 'page' : undefined}
                data-screen={s.screen}
                onClick={() => setScreen(s.screen)}
              >
                {t(s.label)}
              </button>
            ))}
          </nav>
          {screen === 'today' && <Today call={call} />}
          {screen === 'slots' && <Slots call={call} />}
          {screen === 'bookings' && <Bookings call={call} token={session.token} />}
          {screen === 'outbox' && <Outbox call={call} />}
          {screen === 'patients' && (
            <Patients call={call} token={session.token} admin={roleOf(session.token) === 'admin'} />
          )}
          {screen === 'staff' && <Staff call={call} />}
          {screen === 'account' && <OwnPassword call={call} />}
        </>
      ) : (
        <SignIn
          reason={reason}
          onSignedIn={(s) => {
            sessionStorage.setItem(SESSION, JSON.stringify(s));
            setReason(undefined);
            setSession(s);
          }}
        />
      )}
    </main>
  );
}

render(<Desk />, document.getElementById('app')!);
