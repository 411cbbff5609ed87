import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import {
  api,
  ApiError,
  Calendar,
  callText,
  config,
  formatDate,
  formatWhen,
  Heading,
  LanguageSwitch,
  Lookup,
  Notice,
  type Problem,
  problemText,
  reportHeight,
  type Slot,
  t,
  Times,
} from './common';

interface Booking {
  reference: string;
  status: 'booked' | 'cancelled' | 'attended' | 'no_show';
  slot: { id: string; startsAt: string; endsAt: string };
  patient: { firstName: string; lastName: string };
}

const reference = config.reference!;
const storageKey = `manage-token:${reference}`;

/**
 * The token travels in the fragment (never sent to a server): it is kept for this tab only
 * (so a reload still works) and removed from the address bar at once.
 */
function takeToken(): string | undefined {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    const token = decodeURIComponent(match[1]);
    sessionStorage.setItem(storageKey, token);
    history.replaceState(null, '', location.pathname + location.search);
    return token;
  }
  return sessionStorage.getItem(storageKey) ?? undefined;
}
const token = takeToken();

function Manage() {
  const [booking, setBooking] = useState<Booking>();
  const [gone, setGone] = useState(!token);
  const [mode, setMode] = useState<
    'view' | 'cancel' | 'reschedule-day' | 'reschedule-time' | 'reschedule-confirm'
  >('view');
  const [problem, setProblem] = useState<Problem>();
  const [news, setNews] = useState<string>();
  const [date, setDate] = useState<string>();
  const [slot, setSlot] = useState<Slot>();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [refresh, setRefresh] = useState(0);

  useEffect(() => {
    if (!token) return;
    api<Booking>('GET', `/bookings/${encodeURIComponent(reference)}`, { token })
      .then(setBooking)
      .catch((e: ApiError) => (e.problem.status === 404 ? setGone(true) : setProblem(e.problem)));
  }, []);

  const act = async (path: string, body: unknown, after: (b: Booking) => string) => {
    setBusy(true);
    setProblem(undefined);
    try {
      const changed = await api<Booking>('POST', `/bookings/${encodeURIComponent(reference)}/${path}`, {
        token,
        body,
      });
      setBooking(changed);
      setNews(after(changed));
      setMode('view');
    } catch (e) {
      const p = (e as ApiError).problem;
      if (p.status === 404) setGone(true);
      setProblem(p);
      if (mode === 'reschedule-confirm' && /^slot-/.test(p.code)) {
        setRefresh(refresh + 1);
        setMode('reschedule-time');
      }
    } finally {
      setBusy(false);
    }
  };

  const deadline = booking
    ? new Date(new Date(booking.slot.startsAt).getTime() - config.deadlineHours * 3600_000)
    : undefined;
  const changeable = booking?.status === 'booked' && deadline! > new Date();

  return (
    <main id="main">
      <header class="top">
        <p class="clinic">{config.clinicName}</p>
        <LanguageSwitch />
      </header>
      <h1>{t('manage.title')}</h1>
      {gone ? (
        <section>
          <Heading>{t('manage.gone')}</Heading>
          <p>{t('manage.goneText')}</p>
          <Lookup />
        </section>
      ) : !booking ? (
        problem ? (
          <Notice kind="error">{problemText(problem)}</Notice>
        ) : (
          <p role="status">{t('loading')}</p>
        )
      ) : (
        <section>
          {news && <Notice kind="info">{news}</Notice>}
          {problem && <Notice kind="error">{problemText(problem)}</Notice>}
          <dl>
            <dt>{t('manage.when')}</dt>
            <dd class="chosen">{formatWhen(booking.slot.startsAt)}</dd>
            <dt>{t('manage.reference')}</dt>
            <dd>{booking.reference}</dd>
            <dt>{t('manage.status')}</dt>
            <dd>{t(`status.${booking.status}`)}</dd>
          </dl>
          {booking.status === 'booked' &&
            (changeable ? (
              <p>{t('manage.deadline', { deadline: formatWhen(deadline!.toISOString()) })}</p>
            ) : (
              <Notice kind="info">
                {t('manage.tooLate')} {callText()}
              </Notice>
            ))}
          {booking.status === 'cancelled' && (
            <p>
              <a href={`/book?lang=${config.locale}`}>{t('manage.bookAgain')}</a>
            </p>
          )}
          {changeable && mode === 'view' && (
            <div class="row">
              <button
                type="button"
                data-action="reschedule"
                onClick={() => (setNews(undefined), setProblem(undefined), setMode('reschedule-day'))}
              >
                {t('manage.reschedule')}
              </button>
              <button
                type="button"
                class="danger"
                data-action="cancel"
                onClick={() => (setNews(undefined), setProblem(undefined), setMode('cancel'))}
              >
                {t('manage.cancel')}
              </button>
            </div>
          )}
          {mode === 'cancel' && (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void act('cancel', reason.trim() ? { reason: reason.trim() } : {}, () =>
                  t('manage.cancelled'),
                );
              }}
            >
              <Heading>{t('manage.cancelHeading')}</Heading>
              <label for="reason">{t('manage.reason')}</label>
              <textarea
                id="reason"
                value={reason}
                maxLength={500}
                onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
              />
              <div class="row">
                <button type="submit" class="danger" data-action="cancel-confirm" disabled={busy}>
                  {t('manage.cancelConfirm')}
                </button>
                <button type="button" class="secondary" onClick={() => setMode('view')}>
                  {t('manage.keep')}
                </button>
              </div>
            </form>
          )}
          {mode === 'reschedule-day' && (
            <div>
              <Heading>{t('manage.rescheduleHeading')}</Heading>
              <Calendar refresh={refresh} onPick={(d) => (setDate(d), setMode('reschedule-time'))} />
              <button type="button" class="secondary" onClick={() => setMode('view')}>
                {t('back')}
              </button>
            </div>
          )}
          {mode === 'reschedule-time' && date && (
            <div>
              <Heading>{t('time.heading', { date: formatDate(date) })}</Heading>
              <Times
                date={date}
                refresh={refresh}
                onPick={(s) => (setSlot(s), setProblem(undefined), setMode('reschedule-confirm'))}
              />
              <button type="button" class="secondary" onClick={() => setMode('reschedule-day')}>
                {t('back')}
              </button>
            </div>
          )}
          {mode === 'reschedule-confirm' && slot && (
            <div>
              <Heading>{t('summary.heading')}</Heading>
              <div class="row">
                <button
                  data-action="reschedule-confirm"
                  type="button"
                  disabled={busy}
                  onClick={() =>
                    void act('reschedule', { slotId: slot.id }, (b) =>
                      t('manage.rescheduled', { when: formatWhen(b.slot.startsAt) }),
                    )
                  }
                >
                  {t('manage.rescheduleConfirm', { when: formatWhen(slot.startsAt) })}
                </button>
                <button type="button" class="secondary" onClick={() => setMode('reschedule-time')}>
                  {t('back')}
                </button>
              </div>
            </div>
          )}
        </section>
      )}
    </main>
  );
}

render(<Manage />, document.getElementById('app')!);
reportHeight();
