import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { type PageLocale, type StringKey, STRINGS, translate } from '../strings';

/** What the server tells the page (a JSON block in the HTML: data, never executed). */
export interface PageConfig {
  locale: PageLocale;
  clinicName: string;
  clinicPhone: string | null;
  timeZone: string;
  privacyNoticeUrl: string | null;
  deadlineHours: number;
  embed: boolean;
  reference?: string;
}

export const config: PageConfig = JSON.parse(document.getElementById('page-config')!.textContent!);

export const t = (key: StringKey, values?: Record<string, string | number>) =>
  translate(config.locale, key, values);

const intl = config.locale === 'nl' ? 'nl-NL' : 'en-GB';
const zoned = (options: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat(intl, { timeZone: config.timeZone, ...options });
const DAY = zoned({ weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const TIME = zoned({ hour: '2-digit', minute: '2-digit', hour12: false });

/** "dinsdag 9 maart 2027" of an ISO instant, on the clinic's wall clock. */
export const formatDay = (iso: string) => DAY.format(new Date(iso));
export const formatTime = (iso: string) => TIME.format(new Date(iso));
/** The clinic's local date (YYYY-MM-DD) of an instant (default: now). */
export const localDateOf = (instant: string | Date = new Date()) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: config.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(instant));
/** Today's local date (YYYY-MM-DD) in the clinic's time zone. */
export const todayLocal = () => localDateOf();
/** A local date `days` later (or earlier). */
export const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};
export const formatWhen = (iso: string) =>
  config.locale === 'nl'
    ? `${formatDay(iso)} om ${formatTime(iso)}`
    : `${formatDay(iso)} at ${formatTime(iso)}`;
/**
 * A date of birth as people write it: 17-05-1980, 17/5/1980, 17.05.1980 (day first, as in the
 * Netherlands) or 1980-05-17; answers YYYY-MM-DD, or the input unchanged when it is none of these.
 */
export function normaliseDate(input: string): string {
  const value = input.trim();
  const dayFirst = /^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})$/.exec(value);
  if (dayFirst) return `${dayFirst[3]}-${dayFirst[2].padStart(2, '0')}-${dayFirst[1].padStart(2, '0')}`;
  return value;
}

/** A local date (YYYY-MM-DD) as words: the date at noon UTC is that date in any European zone. */
export const formatDate = (date: string) =>
  new Intl.DateTimeFormat(intl, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
    new Date(`${date}T12:00:00Z`),
  );

export const callText = () =>
  config.clinicPhone ? t('call', { phone: config.clinicPhone }) : t('callNoPhone');

/** An RFC 9457 problem as the API answers it; `code` is the end of its type. */
export interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.code);
  }
}

/** Calls the API (same origin); answers the JSON body, or throws ApiError. */
export async function api<T>(
  method: string,
  path: string,
  options: { body?: unknown; token?: string; bearer?: string; headers?: Record<string, string> } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers['x-booking-token'] = options.token;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError({ status: 0, code: 'offline' });
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    const type: string = json?.type ?? '';
    throw new ApiError({
      status: response.status,
      code: response.status === 429 ? 'rate-limited' : type.slice(type.lastIndexOf('/') + 1),
      detail: json?.detail,
      errors: json?.errors,
    });
  }
  return json as T;
}

/**
 * Loads what the screen shows whenever `deps` change, and hands over the answer only while
 * those are still the screen's: a slow answer for a day, week or page no longer shown never
 * overwrites the newer one (answers do not come back in the order they were asked).
 */
export function useLoad<T>(
  load: () => Promise<T>,
  onAnswer: (answer: T) => void,
  onProblem: (error: ApiError) => void,
  deps: unknown[],
): void {
  useEffect(() => {
    let current = true;
    load().then(
      (answer) => current && onAnswer(answer),
      (error: ApiError) => current && onProblem(error),
    );
    return () => {
      current = false;
    };
  }, deps);
}

/** The visitor's words for a refusal. */
export function problemText(problem: Problem): string {
  const key = `problem.${problem.code}` as StringKey;
  const known = key in STRINGS.en ? t(key) : t('problem.generic');
  return problem.code === 'deadline-passed' || problem.code.startsWith('slot-too')
    ? `${known} ${callText()}`
    : known;
}

/** In the embed, tells the parent page how tall the content is, whenever it changes. */
export function reportHeight(): void {
  if (!config.embed || window.parent === window) return;
  const send = () =>
    window.parent.postMessage(
      { type: 'clinic-booking:height', height: Math.ceil(document.documentElement.scrollHeight) },
      '*',
    );
  new ResizeObserver(send).observe(document.body);
  send();
}

/** Moves focus to a heading when it appears (each step starts there, and says so). */
export function Heading({ children, level = 2 }: { children: ComponentChildren; level?: 1 | 2 }) {
  const ref = useRef<HTMLHeadingElement>(null);
  // Before the browser paints or handles the next key: focus never lands after a quick Tab.
  useLayoutEffect(() => ref.current?.focus(), []);
  const Tag = level === 1 ? 'h1' : 'h2';
  return (
    <Tag ref={ref} tabIndex={-1}>
      {children}
    </Tag>
  );
}

/** A message read out when it appears: `alert` for errors, `status` for news. */
export function Notice({ kind, children }: { kind: 'error' | 'info'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** Switches the page's language (a full page load: the server renders the new language). */
export function LanguageSwitch() {
  const other = config.locale === 'nl' ? 'en' : 'nl';
  const url = new URL(location.href);
  url.searchParams.set('lang', other);
  return (
    <a
      class="lang"
      href={url.pathname + url.search}
      lang={other}
      hrefLang={other}
      aria-label={t('lang.switchLabel')}
    >
      {t('lang.switch')}
    </a>
  );
}

interface Day {
  date: string;
  available: number;
}
export interface Slot {
  id: string;
  startsAt: string;
  endsAt: string;
  remaining: number;
}

/** The Monday on or before a local date. */
const mondayOf = (date: string) => addDays(date, -((new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7));
const WEEKS = 5;

/**
 * The calendar: five weeks from this week's Monday, the days with free places as buttons (each
 * saying how many), the others as plain text; earlier and later weeks.
 */
export function Calendar({ onPick, refresh }: { onPick: (date: string) => void; refresh: number }) {
  const [start, setStart] = useState(() => mondayOf(todayLocal()));
  const [days, setDays] = useState<Day[] | undefined>();
  const [error, setError] = useState<Problem | undefined>();
  useLoad(
    () => {
      setDays(undefined);
      setError(undefined);
      const from = start < todayLocal() ? todayLocal() : start;
      return api<{ data: Day[] }>('GET', `/slots/days?from=${from}&to=${addDays(start, WEEKS * 7 - 1)}`);
    },
    (answer) => setDays(answer.data),
    (e) => setError(e.problem),
    [start, refresh],
  );
  const available = new Map((days ?? []).map((d) => [d.date, d.available]));
  const weekdays = Array.from({ length: 7 }, (_, i) =>
    new Intl.DateTimeFormat(intl, { weekday: 'short', timeZone: 'UTC' }).format(
      new Date(`${addDays('2027-03-01', i)}T12:00:00Z`),
    ),
  );
  const canGoBack = start > mondayOf(todayLocal());
  return (
    <div class="calendar" aria-busy={!days && !error ? 'true' : 'false'}>
      {error && <Notice kind="error">{problemText(error)}</Notice>}
      {!days && !error && <p role="status">{t('loading')}</p>}
      {days && days.length === 0 && <p role="status">{t('day.none')}</p>}
      <table>
        <thead>
          <tr>
            {weekdays.map((w) => (
              <th scope="col" key={w}>
                {w}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: WEEKS }, (_, week) => (
            <tr key={week}>
              {Array.from({ length: 7 }, (_, d) => {
                const date = addDays(start, week * 7 + d);
                const n = available.get(date);
                const label = new Date(`${date}T12:00:00Z`).getUTCDate();
                return (
                  <td key={date}>
                    {n ? (
                      <button type="button" class="day" data-date={date} onClick={() => onPick(date)}>
                        <span>{label}</span> <small>{t('day.available', { n })}</small>
                        <span class="sr-only">, {formatDate(date)}</span>
                      </button>
                    ) : (
                      <span class="day day-none">
                        <span aria-hidden="true">{label}</span>
                        <span class="sr-only">{t('day.unavailable', { date: formatDate(date) })}</span>
                      </span>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        {canGoBack && (
          <button type="button" class="secondary" onClick={() => setStart(addDays(start, -WEEKS * 7))}>
            {t('day.earlier')}
          </button>
        )}
        <button type="button" class="secondary" onClick={() => setStart(addDays(start, WEEKS * 7))}>
          {t('day.later')}
        </button>
      </div>
    </div>
  );
}

/** The free times of one local date. */
export function Times({
  date,
  onPick,
  refresh,
}: {
  date: string;
  onPick: (slot: Slot) => void;
  refresh: number;
}) {
  const [slots, setSlots] = useState<Slot[] | undefined>();
  const [error, setError] = useState<Problem | undefined>();
  useLoad(
    () => {
      setSlots(undefined);
      return api<{ data: Slot[] }>('GET', `/slots?from=${date}&to=${date}&limit=100`);
    },
    (answer) => setSlots(answer.data),
    (e) => setError(e.problem),
    [date, refresh],
  );
  if (error) return <Notice kind="error">{problemText(error)}</Notice>;
  if (!slots) return <p role="status">{t('loading')}</p>;
  if (slots.length === 0) return <p role="status">{t('time.none')}</p>;
  return (
    <ul class="times">
      {slots.map((slot) => (
        <li key={slot.id}>
          <button type="button" class="time" onClick={() => onPick(slot)}>
            <strong>{formatTime(slot.startsAt)}</strong>{' '}
            <small>{slot.remaining === 1 ? t('time.place') : t('time.places', { n: slot.remaining })}</small>
          </button>
        </li>
      ))}
    </ul>
  );
}

/** "Lost your link?": email and date of birth; always the same answer. */
export function Lookup() {
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<Problem | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      await api('POST', '/bookings/lookup', {
        body: {
          email: String(form.get('email')).trim(),
          dateOfBirth: String(form.get('dateOfBirth')).trim(),
        },
      });
      setSent(true);
    } catch (e) {
      setError((e as ApiError).problem);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="lookup" aria-labelledby="lookup-heading">
      <h2 id="lookup-heading">{t('lookup.heading')}</h2>
      {sent ? (
        <Notice kind="info">{t('lookup.sent')}</Notice>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>{t('lookup.intro')}</p>
          {error && (
            <Notice kind="error">
              {error.code === 'validation-failed' ? t('error.invalid') : problemText(error)}
            </Notice>
          )}
          <label for="lookup-email">{t('field.email')}</label>
          <input id="lookup-email" name="email" type="email" autoComplete="email" required />
          <label for="lookup-dob">{t('field.dateOfBirth')}</label>
          <p class="hint" id="lookup-dob-hint">
            {t('hint.dateOfBirth')}
          </p>
          <input
            id="lookup-dob"
            name="dateOfBirth"
            type="text"
            autoComplete="bday"
            required
            aria-describedby="lookup-dob-hint"
          />
          <button type="submit" disabled={busy}>
            {t('lookup.submit')}
          </button>
        </form>
      )}
    </section>
  );
}
