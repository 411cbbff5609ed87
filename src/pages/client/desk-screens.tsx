import { useEffect, useState } from 'preact/hooks';
import type { StringKey } from '../strings';
import {
  addDays,
  ApiError,
  formatDate,
  formatTime,
  formatWhen,
  Notice,
  type Problem,
  problemText,
  t,
  localDateOf,
  todayLocal,
  useLoad,
} from './common';

/** The API as the signed-in staff member (a refused token signs the console out). */
export type StaffApi = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * A refusal in the staff language, by its code; a form's refusal names its fields (as the API
 * names them, e.g. `password`, `patient.email`).
 */
export function refusalText(problem: Problem): string {
  if (problem.code === 'validation-failed' && problem.errors?.length)
    return t('problem.validation-failed', { fields: problem.errors.map((e) => e.field).join(', ') });
  return problemText(problem);
}

export function Refusal({ problem }: { problem?: Problem }) {
  if (!problem) return null;
  return <Notice kind="error">{refusalText(problem)}</Notice>;
}

/** A form's two buttons: do it, or close the form. */
export function SubmitOrClose(props: {
  label: Parameters<typeof t>[0];
  action: string;
  danger?: boolean;
  disabled?: boolean;
  onClose: () => void;
}) {
  return (
    <div class="row">
      <button
        type="submit"
        class={props.danger ? 'danger' : undefined}
        data-action={props.action}
        disabled={props.disabled}
      >
        {t(props.label)}
      </button>
      <button type="button" class="secondary" onClick={props.onClose}>
        {t('desk.close')}
      </button>
    </div>
  );
}

/** Runs a staff action, keeping its refusal or its news for the screen. */
function useAction() {
  const [problem, setProblem] = useState<Problem>();
  const [news, setNews] = useState<string>();
  const run = async <T,>(work: () => Promise<T>, done?: (answer: T) => string): Promise<T | undefined> => {
    setProblem(undefined);
    setNews(undefined);
    try {
      const answer = await work();
      if (done) setNews(done(answer));
      return answer;
    } catch (e) {
      setProblem((e as ApiError).problem);
      return undefined;
    }
  };
  return {
    problem,
    news,
    run,
    feedback: (
      <>
        <Refusal problem={problem} />
        {news && <Notice kind="info">{news}</Notice>}
      </>
    ),
  };
}

function Field(props: {
  id: string;
  label: StringKey;
  value: string;
  onInput: (v: string) => void;
  type?: 'text' | 'date' | 'number' | 'email' | 'password';
}) {
  return (
    <div class="field">
      <label for={props.id}>{t(props.label)}</label>
      <input
        id={props.id}
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
      />
    </div>
  );
}

const mondayOf = (date: string) => addDays(date, -((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7));

interface StaffSlot {
  id: string;
  startsAt: string;
  capacity: number;
  bookedCount: number;
  status: 'open' | 'closed' | 'cancelled';
}

/** A week of slots with their places; a rota opened after its preview; a closure after a check. */
export function Slots({ call }: { call: StaffApi }) {
  const [week, setWeek] = useState(mondayOf(todayLocal()));
  const [slots, setSlots] = useState<StaffSlot[]>();
  const [tick, setTick] = useState(0);
  useLoad(
    () => call<{ data: StaffSlot[] }>('GET', `/admin/slots?from=${week}&to=${addDays(week, 6)}&limit=500`),
    (answer) => setSlots(answer.data),
    () => setSlots([]),
    [week, tick],
  );
  const refresh = () => setTick(tick + 1);
  const days = Array.from({ length: 7 }, (_, i) => addDays(week, i));
  const byDay = (day: string) => (slots ?? []).filter((s) => localDateOf(s.startsAt) === day);
  return (
    <section>
      <h2>{t('desk.weekOf', { date: formatDate(week) })}</h2>
      <div class="row">
        <button type="button" class="secondary" onClick={() => setWeek(addDays(week, -7))}>
          {t('desk.previousWeek')}
        </button>
        <button type="button" class="secondary" onClick={() => setWeek(addDays(week, 7))}>
          {t('desk.nextWeek')}
        </button>
      </div>
      {days.map((day) => (
        <div key={day} class="week-day">
          <h3>{formatDate(day)}</h3>
          {byDay(day).length === 0 ? (
            <p class="hint">{t('desk.noSlots')}</p>
          ) : (
            <ul class="bookings">
              {byDay(day).map((slot) => (
                <SlotItem key={slot.id} slot={slot} call={call} changed={refresh} />
              ))}
            </ul>
          )}
        </div>
      ))}
      <Rota call={call} done={refresh} />
      <Closure call={call} done={refresh} />
    </section>
  );
}

/**
 * One slot of the week: closed or opened at a click; cancelled after its reason is given in a
 * form of its own, which says how many patients it emails, with any refusal beside it.
 */
function SlotItem(props: { slot: StaffSlot; call: StaffApi; changed: () => void }) {
  const { slot, call } = props;
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  const reasonId = `slot-reason-${slot.id}`;
  return (
    <li class="booking" data-slot={slot.id}>
      {t('desk.slot', { time: formatTime(slot.startsAt), booked: slot.bookedCount, capacity: slot.capacity })}
      {slot.status !== 'open' &&
        ` (${t(slot.status === 'closed' ? 'desk.slotClosed' : 'desk.slotCancelled')})`}
      {slot.status !== 'cancelled' && !cancelling && (
        <span class="row">
          <button
            type="button"
            class="secondary"
            onClick={() =>
              action.run(
                () =>
                  call('PATCH', `/admin/slots/${slot.id}`, {
                    status: slot.status === 'open' ? 'closed' : 'open',
                  }),
                () => (props.changed(), t('desk.updated')),
              )
            }
          >
            {t(slot.status === 'open' ? 'desk.closeSlot' : 'desk.openSlot')}
          </button>
          <button type="button" class="danger" data-action="cancel-slot" onClick={() => setCancelling(true)}>
            {t('desk.cancelSlot')}
          </button>
        </span>
      )}
      {!cancelling && action.feedback}
      {cancelling && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action
              .run(
                () => call('POST', `/admin/slots/${slot.id}/cancel`, { reason: reason.trim() }),
                () => t('desk.updated'),
              )
              .then((answer) => {
                if (!answer) return;
                setCancelling(false);
                setReason('');
                props.changed();
              });
          }}
        >
          <label for={reasonId}>{t('desk.cancelSlotReason')}</label>
          <input
            id={reasonId}
            type="text"
            value={reason}
            aria-describedby={`${reasonId}-hint${action.problem ? ` ${reasonId}-error` : ''}`}
            aria-invalid={action.problem ? 'true' : undefined}
            onInput={(e) => setReason((e.target as HTMLInputElement).value)}
          />
          <p class="hint" id={`${reasonId}-hint`}>
            {t('desk.cancelSlotWouldEmail', { n: slot.bookedCount })}
          </p>
          {action.problem && (
            <div id={`${reasonId}-error`}>
              <Refusal problem={action.problem} />
            </div>
          )}
          <SubmitOrClose
            label="desk.cancelSlot"
            action="confirm-cancel-slot"
            danger
            onClose={() => setCancelling(false)}
          />
        </form>
      )}
    </li>
  );
}

function Rota({ call, done }: { call: StaffApi; done: () => void }) {
  const [form, setForm] = useState({
    from: todayLocal(),
    to: addDays(todayLocal(), 4),
    weekdays: '1,2,3,4,5',
    dayStart: '09:00',
    dayEnd: '12:00',
    slotMinutes: '30',
    capacity: '1',
  });
  const [preview, setPreview] = useState<{
    created: number;
    skipped: number;
    slots: { startsAt: string }[];
  }>();
  const action = useAction();
  const body = () => ({
    from: form.from,
    to: form.to,
    weekdays: form.weekdays.split(/[ ,]+/).filter(Boolean).map(Number),
    dayStart: form.dayStart,
    dayEnd: form.dayEnd,
    slotMinutes: Number(form.slotMinutes),
    capacity: Number(form.capacity),
  });
  const set = (name: keyof typeof form) => (value: string) => (
    setForm({ ...form, [name]: value }),
    setPreview(undefined)
  );
  return (
    <form
      class="panel"
      onSubmit={async (e) => {
        e.preventDefault();
        setPreview(await action.run(() => call('POST', '/admin/slots/bulk?dryRun=true', body())));
      }}
    >
      <h3>{t('desk.rotaHeading')}</h3>
      <Field id="rota-from" label="desk.from" type="date" value={form.from} onInput={set('from')} />
      <Field id="rota-to" label="desk.to" type="date" value={form.to} onInput={set('to')} />
      <Field id="rota-weekdays" label="desk.weekdays" value={form.weekdays} onInput={set('weekdays')} />
      <Field id="rota-start" label="desk.dayStart" value={form.dayStart} onInput={set('dayStart')} />
      <Field id="rota-end" label="desk.dayEnd" value={form.dayEnd} onInput={set('dayEnd')} />
      <Field
        id="rota-minutes"
        label="desk.slotMinutes"
        type="number"
        value={form.slotMinutes}
        onInput={set('slotMinutes')}
      />
      <Field
        id="rota-capacity"
        label="desk.capacity"
        type="number"
        value={form.capacity}
        onInput={set('capacity')}
      />
      {action.feedback}
      <div class="row">
        <button type="submit" class="secondary" data-action="rota-preview">
          {t('desk.preview')}
        </button>
      </div>
      {preview && (
        <div>
          <p role="status">{t('desk.previewResult', { n: preview.created, skipped: preview.skipped })}</p>
          <ul class="preview">
            {preview.slots.slice(0, 200).map((slot) => (
              <li key={slot.startsAt}>{formatWhen(slot.startsAt)}</li>
            ))}
          </ul>
          {preview.created > 0 && (
            <button
              type="button"
              data-action="rota-create"
              onClick={async () => {
                const made = await action.run<{ created: number }>(
                  () => call('POST', '/admin/slots/bulk', body()),
                  (a) => t('desk.rotaCreated', { n: a.created }),
                );
                if (made) {
                  setPreview(undefined);
                  done();
                }
              }}
            >
              {t('desk.createRota', { n: preview.created })}
            </button>
          )}
        </div>
      )}
    </form>
  );
}

function Closure({ call, done }: { call: StaffApi; done: () => void }) {
  const [form, setForm] = useState({
    from: addDays(todayLocal(), 1),
    to: addDays(todayLocal(), 1),
    reason: '',
    cancelBookings: true,
  });
  const [affected, setAffected] = useState<number>();
  const action = useAction();
  const set = (name: 'from' | 'to' | 'reason') => (value: string) => (
    setForm({ ...form, [name]: value }),
    setAffected(undefined)
  );
  return (
    <form
      class="panel"
      onSubmit={async (e) => {
        e.preventDefault();
        const page = await action.run(() =>
          call<{ total: number }>(
            'GET',
            `/admin/bookings?from=${form.from}&to=${form.to}&status=booked&limit=1`,
          ),
        );
        if (page) setAffected(page.total);
      }}
    >
      <h3>{t('desk.closureHeading')}</h3>
      <Field id="closure-from" label="desk.from" type="date" value={form.from} onInput={set('from')} />
      <Field id="closure-to" label="desk.to" type="date" value={form.to} onInput={set('to')} />
      <Field id="closure-reason" label="desk.reason" value={form.reason} onInput={set('reason')} />
      <div class="field consent">
        <input
          id="closure-cancel"
          type="checkbox"
          checked={form.cancelBookings}
          onChange={(e) => (
            setForm({ ...form, cancelBookings: (e.target as HTMLInputElement).checked }),
            setAffected(undefined)
          )}
        />
        <label for="closure-cancel">{t('desk.closureCancel')}</label>
      </div>
      {action.feedback}
      <div class="row">
        <button type="submit" class="secondary" data-action="closure-check">
          {t('desk.closureCheck')}
        </button>
      </div>
      {affected !== undefined && (
        <div>
          <p role="status">{t('desk.closureWouldEmail', { n: affected })}</p>
          <button
            type="button"
            class="danger"
            data-action="closure-confirm"
            onClick={async () => {
              const closed = await action.run<{
                closedSlots: number;
                cancelledSlots: number;
                cancelledBookings: number;
              }>(
                () => call('POST', '/admin/closures', form),
                (a) =>
                  t('desk.closureDone', {
                    slots: a.closedSlots + a.cancelledSlots,
                    bookings: a.cancelledBookings,
                  }),
              );
              if (closed) {
                setAffected(undefined);
                done();
              }
            }}
          >
            {t('desk.closureConfirm')}
          </button>
        </div>
      )}
    </form>
  );
}

interface ListedBooking {
  id: string;
  reference: string;
  status: 'booked' | 'cancelled' | 'attended' | 'no_show';
  slot: { startsAt: string };
  patient: { firstName: string; lastName: string; email: string; phone: string };
}

/** The booking listing: search, status and dates, pages of 25, and the same as a CSV download. */
export function Bookings({ call, token }: { call: StaffApi; token: string }) {
  const [filters, setFilters] = useState({
    q: '',
    status: '',
    from: todayLocal(),
    to: addDays(todayLocal(), 6),
  });
  const [shown, setShown] = useState(filters);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ data: ListedBooking[]; total: number }>();
  const action = useAction();
  const query = (f: typeof shown) =>
    new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]).toString();
  useLoad(
    () =>
      action.run(() =>
        call<{ data: ListedBooking[]; total: number }>(
          'GET',
          `/admin/bookings?${query(shown)}&limit=25&offset=${offset}`,
        ),
      ),
    (p) => p && setPage(p),
    () => undefined,
    [shown, offset],
  );
  const download = () => downloadAs(`/admin/bookings?${query(shown)}`, token, 'text/csv', 'bookings.csv');
  const pages = page ? Math.max(1, Math.ceil(page.total / 25)) : 1;
  return (
    <section>
      <h2>{t('desk.navBookings')}</h2>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          setShown(filters);
        }}
      >
        <Field
          id="list-q"
          label="desk.searchBookings"
          value={filters.q}
          onInput={(q) => setFilters({ ...filters, q })}
        />
        <div class="field">
          <label for="list-status">{t('desk.status')}</label>
          <select
            id="list-status"
            value={filters.status}
            onChange={(e) => setFilters({ ...filters, status: (e.target as HTMLSelectElement).value })}
          >
            <option value="">{t('desk.any')}</option>
            {(['booked', 'attended', 'no_show', 'cancelled'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
        </div>
        <Field
          id="list-from"
          label="desk.from"
          type="date"
          value={filters.from}
          onInput={(from) => setFilters({ ...filters, from })}
        />
        <Field
          id="list-to"
          label="desk.to"
          type="date"
          value={filters.to}
          onInput={(to) => setFilters({ ...filters, to })}
        />
        <div class="row">
          <button type="submit">{t('desk.filter')}</button>
          <button type="button" class="secondary" data-action="csv" onClick={download}>
            {t('desk.exportCsv')}
          </button>
        </div>
      </form>
      {action.feedback}
      {page && (
        <>
          <p role="status">{t('desk.results', { total: page.total })}</p>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">{t('manage.when')}</th>
                <th scope="col">{t('summary.name')}</th>
                <th scope="col">{t('field.phone')}</th>
                <th scope="col">{t('manage.reference')}</th>
                <th scope="col">{t('desk.status')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.map((b) => (
                <tr key={b.id}>
                  <td>{formatWhen(b.slot.startsAt)}</td>
                  <td>
                    {b.patient.firstName} {b.patient.lastName}
                  </td>
                  <td>{b.patient.phone}</td>
                  <td>{b.reference}</td>
                  <td>{t(`status.${b.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="row">
            <button
              type="button"
              class="secondary"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - 25))}
            >
              {t('desk.previousPage')}
            </button>
            <span>{t('desk.page', { n: offset / 25 + 1, of: pages })}</span>
            <button
              type="button"
              class="secondary"
              disabled={offset + 25 >= page.total}
              onClick={() => setOffset(offset + 25)}
            >
              {t('desk.nextPage')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

interface OutboxRow {
  id: string;
  kind: string;
  recipient: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

/** Emails that failed or were given up, with their last error; send one again. */
export function Outbox({ call }: { call: StaffApi }) {
  const [rows, setRows] = useState<OutboxRow[]>();
  const [tick, setTick] = useState(0);
  const action = useAction();
  const loading = useAction();
  useEffect(() => {
    void loading
      .run(() => call<{ data: OutboxRow[] }>('GET', '/admin/notifications?status=failed,dead&limit=100'))
      .then((p) => p && setRows(p.data));
  }, [tick]);
  return (
    <section>
      <h2>{t('desk.navOutbox')}</h2>
      {loading.feedback}
      {action.feedback}
      {rows && rows.length === 0 && <p role="status">{t('desk.outboxEmpty')}</p>}
      <ul class="bookings">
        {rows?.map((row) => (
          <li key={row.id} class="booking" data-notification={row.id}>
            <p>
              <strong>{row.kind}</strong> · {row.recipient} · {row.status} · {row.attempts}× ·{' '}
              {formatWhen(row.createdAt)}
            </p>
            {row.lastError && (
              <p class="hint">
                {t('desk.lastError')}: {row.lastError}
              </p>
            )}
            <button
              type="button"
              class="secondary"
              data-action="retry"
              onClick={() =>
                action.run(
                  () => call('POST', `/admin/notifications/${row.id}/retry`),
                  () => (setTick(tick + 1), t('desk.retried')),
                )
              }
            >
              {t('desk.retry')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

interface StaffAccount {
  id: string;
  email: string;
  role: 'admin' | 'receptionist';
  active: boolean;
}

/** Admins: every account; add one, change its role, deactivate or reactivate it, set its password. */
export function Staff({ call }: { call: StaffApi }) {
  const [accounts, setAccounts] = useState<StaffAccount[]>();
  const [tick, setTick] = useState(0);
  const [form, setForm] = useState({ email: '', password: '', role: 'receptionist' });
  const [passwords, setPasswords] = useState<Record<string, string>>({});
  const action = useAction();
  const loading = useAction();
  useEffect(() => {
    void loading
      .run(() => call<{ data: StaffAccount[] }>('GET', '/admin/staff?limit=500'))
      .then((p) => p && setAccounts(p.data));
  }, [tick]);
  const change = (work: () => Promise<unknown>) =>
    action.run(work, () => (setTick(tick + 1), t('desk.updated')));
  return (
    <section>
      <h2>{t('desk.navStaff')}</h2>
      {loading.feedback}
      {action.feedback}
      <ul class="bookings">
        {accounts?.map((a) => (
          <li key={a.id} class="booking" data-staff={a.email}>
            <p>
              <strong>{a.email}</strong> ·{' '}
              {t(a.role === 'admin' ? 'desk.roleAdmin' : 'desk.roleReceptionist')} ·{' '}
              {t(a.active ? 'desk.active' : 'desk.inactive')}
            </p>
            <div class="row">
              <button
                type="button"
                class="secondary"
                data-action="toggle-active"
                onClick={() => change(() => call('PATCH', `/admin/staff/${a.id}`, { active: !a.active }))}
              >
                {t(a.active ? 'desk.deactivate' : 'desk.activate')}
              </button>
              <button
                type="button"
                class="secondary"
                onClick={() =>
                  change(() =>
                    call('PATCH', `/admin/staff/${a.id}`, {
                      role: a.role === 'admin' ? 'receptionist' : 'admin',
                    }),
                  )
                }
              >
                {t(a.role === 'admin' ? 'desk.makeReceptionist' : 'desk.makeAdmin')}
              </button>
            </div>
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void change(() =>
                  call('POST', `/admin/staff/${a.id}/password`, { password: passwords[a.id] ?? '' }),
                );
              }}
            >
              <Field
                id={`password-${a.id}`}
                label="desk.newPassword"
                type="password"
                value={passwords[a.id] ?? ''}
                onInput={(v) => setPasswords({ ...passwords, [a.id]: v })}
              />
              <button type="submit" class="secondary">
                {t('desk.setPassword')}
              </button>
            </form>
          </li>
        ))}
      </ul>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(
            () => call('POST', '/admin/staff', form),
            () => (
              setTick(tick + 1),
              setForm({ email: '', password: '', role: 'receptionist' }),
              t('desk.updated')
            ),
          );
        }}
      >
        <h3>{t('desk.addStaff')}</h3>
        <Field
          id="staff-email"
          label="field.email"
          type="email"
          value={form.email}
          onInput={(email) => setForm({ ...form, email })}
        />
        <Field
          id="staff-password"
          label="desk.newPassword"
          type="password"
          value={form.password}
          onInput={(password) => setForm({ ...form, password })}
        />
        <div class="field">
          <label for="staff-role">{t('desk.role')}</label>
          <select
            id="staff-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: (e.target as HTMLSelectElement).value })}
          >
            <option value="receptionist">{t('desk.roleReceptionist')}</option>
            <option value="admin">{t('desk.roleAdmin')}</option>
          </select>
        </div>
        <button type="submit" data-action="add-staff">
          {t('desk.add')}
        </button>
      </form>
    </section>
  );
}

interface PatientRecord {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  dateOfBirth: string;
  bookings?: { id: string; reference: string; status: ListedBooking['status']; startsAt: string }[];
}

/** Saves what the API answers as a file (an export), with the staff member's token. */
async function downloadAs(path: string, token: string, accept: string, name: string): Promise<void> {
  const response = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${token}`, accept } });
  if (!response.ok) return;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await response.blob());
  link.download = name;
  link.click();
  URL.revokeObjectURL(link.href);
}

/** Find a patient; their page: bookings, corrected details, the GDPR export and (admins) erasure. */
export function Patients({ call, token, admin }: { call: StaffApi; token: string; admin: boolean }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState<PatientRecord[]>();
  const [patient, setPatient] = useState<PatientRecord>();
  const [edit, setEdit] = useState<Record<string, string>>({});
  const [erasing, setErasing] = useState(false);
  const action = useAction();
  const loading = useAction();
  const open = async (id: string) => {
    const record = await loading.run(() => call<PatientRecord>('GET', `/admin/patients/${id}`));
    if (record) {
      setPatient(record);
      setEdit({
        firstName: record.firstName,
        lastName: record.lastName,
        email: record.email,
        phone: record.phone,
        dateOfBirth: record.dateOfBirth,
      });
      setErasing(false);
    }
  };
  const name = patient ? `${patient.firstName} ${patient.lastName}` : '';
  return (
    <section>
      <h2>{t('desk.navPatients')}</h2>
      <form
        class="panel"
        onSubmit={async (e) => {
          e.preventDefault();
          const page = await action.run(() =>
            call<{ data: PatientRecord[] }>(
              'GET',
              `/admin/patients?q=${encodeURIComponent(q.trim())}&limit=25`,
            ),
          );
          if (page) setFound(page.data);
        }}
      >
        <Field id="patients-q" label="desk.findPatients" value={q} onInput={setQ} />
        <button type="submit">{t('desk.search')}</button>
      </form>
      {loading.feedback}
      {action.feedback}
      {found && found.length === 0 && <p role="status">{t('desk.noMatches')}</p>}
      {found && found.length > 0 && (
        <ul>
          {found.map((p) => (
            <li key={p.id}>
              <button type="button" class="secondary" data-patient={p.email} onClick={() => open(p.id)}>
                {p.firstName} {p.lastName} · {p.dateOfBirth} · {p.email}
              </button>
            </li>
          ))}
        </ul>
      )}
      {patient && (
        <article class="panel" aria-labelledby="patient-name">
          <h3 id="patient-name">{name}</h3>
          <h4>{t('desk.patientBookings')}</h4>
          <ul>
            {patient.bookings?.map((b) => (
              <li key={b.id}>
                {formatWhen(b.startsAt)} · {b.reference} · {t(`status.${b.status}`)}
              </li>
            ))}
          </ul>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              const saved = await action.run(
                () => call<PatientRecord>('PATCH', `/admin/patients/${patient.id}`, edit),
                () => t('desk.updated'),
              );
              if (saved) void open(patient.id);
            }}
          >
            <h4>{t('desk.editPatient')}</h4>
            {(['firstName', 'lastName', 'email', 'phone', 'dateOfBirth'] as const).map((field) => (
              <Field
                key={field}
                id={`patient-${field}`}
                label={`field.${field}`}
                value={edit[field] ?? ''}
                onInput={(v) => setEdit({ ...edit, [field]: v })}
              />
            ))}
            <div class="row">
              <button type="submit" data-action="save-patient">
                {t('desk.save')}
              </button>
              <button
                type="button"
                class="secondary"
                data-action="export-patient"
                onClick={() =>
                  downloadAs(
                    `/admin/patients/${patient.id}/export`,
                    token,
                    'application/json',
                    `patient-${patient.id}.json`,
                  )
                }
              >
                {t('desk.exportPatient')}
              </button>
              {admin && (
                <button type="button" class="danger" data-action="erase" onClick={() => setErasing(true)}>
                  {t('desk.erase')}
                </button>
              )}
            </div>
          </form>
          {admin && erasing && (
            <div class="notice notice-error" role="alertdialog" aria-labelledby="erase-question">
              <p id="erase-question">{t('desk.eraseConfirm', { name })}</p>
              <div class="row">
                <button
                  type="button"
                  class="danger"
                  data-action="erase-confirm"
                  onClick={async () => {
                    const gone = await action.run(
                      () => call('DELETE', `/admin/patients/${patient.id}`),
                      () => t('desk.erased'),
                    );
                    if (gone !== undefined) {
                      setPatient(undefined);
                      setFound(undefined);
                    }
                  }}
                >
                  {t('desk.eraseYes', { name })}
                </button>
                <button type="button" class="secondary" onClick={() => setErasing(false)}>
                  {t('desk.close')}
                </button>
              </div>
            </div>
          )}
        </article>
      )}
    </section>
  );
}

/** One's own password: the current one, then the new. */
export function OwnPassword({ call }: { call: StaffApi }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const action = useAction();
  return (
    <form
      class="panel"
      onSubmit={async (e) => {
        e.preventDefault();
        const done = await action.run(
          () => call('POST', '/auth/password', { currentPassword: current, newPassword: next }),
          () => t('desk.updated'),
        );
        if (done !== undefined) {
          setCurrent('');
          setNext('');
        }
      }}
    >
      <h3>{t('desk.ownPassword')}</h3>
      <Field
        id="own-current"
        label="desk.currentPassword"
        type="password"
        value={current}
        onInput={setCurrent}
      />
      <Field id="own-new" label="desk.newPassword" type="password" value={next} onInput={setNext} />
      {action.feedback}
      <button type="submit" data-action="own-password">
        {t('desk.setPassword')}
      </button>
    </form>
  );
}
