import { render } from 'preact';
import { useState } from 'preact/hooks';
import type { StringKey } from '../strings';
import {
  api,
  ApiError,
  Calendar,
  config,
  formatDate,
  formatWhen,
  Heading,
  LanguageSwitch,
  Lookup,
  normaliseDate,
  Notice,
  type Problem,
  problemText,
  reportHeight,
  type Slot,
  t,
  Times,
} from './common';

type Field = 'firstName' | 'lastName' | 'email' | 'phone' | 'dateOfBirth' | 'notes' | 'consent';
type Details = Record<Exclude<Field, 'consent'>, string> & { consent: boolean };
type Errors = Partial<Record<Field, string>>;

const NAME = /^[\p{L}\p{M}][\p{L}\p{M} '’.-]*$/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
const PHONE = /^\+?[0-9 ()./-]{8,20}$/;

/** The rules the API applies, checked first so that most mistakes are caught here. */
function validate(details: Details): Errors {
  const errors: Errors = {};
  for (const field of ['firstName', 'lastName'] as const) {
    const value = details[field].trim();
    if (!value) errors[field] = t('error.required');
    else if (value.length > 100 || !NAME.test(value)) errors[field] = t('error.name');
  }
  if (!details.email.trim()) errors.email = t('error.required');
  else if (!EMAIL.test(details.email.trim())) errors.email = t('error.email');
  if (!details.phone.trim()) errors.phone = t('error.required');
  else if (!PHONE.test(details.phone.trim())) errors.phone = t('error.phone');
  const dob = normaliseDate(details.dateOfBirth);
  if (!dob) errors.dateOfBirth = t('error.required');
  else if (
    !/^\d{4}-\d{2}-\d{2}$/.test(dob) ||
    dob < '1900-01-01' ||
    dob > new Date().toISOString().slice(0, 10)
  )
    errors.dateOfBirth = t('error.dateOfBirth');
  if (details.notes.length > 500) errors.notes = t('error.notes');
  if (!details.consent) errors.consent = t('error.consent');
  return errors;
}

/** The API's field errors (patient.email …) in the visitor's words, by field. */
function fieldErrors(problem: Problem): Errors {
  const errors: Errors = {};
  for (const error of problem.errors ?? []) {
    const field = error.field.replace(/^patient\./, '') as Field;
    const key = `error.${field === 'firstName' || field === 'lastName' ? 'name' : field}` as StringKey;
    errors[field] =
      key in
      {
        'error.name': 1,
        'error.email': 1,
        'error.phone': 1,
        'error.dateOfBirth': 1,
        'error.notes': 1,
        'error.consent': 1,
      }
        ? t(key)
        : t('error.invalid');
  }
  return errors;
}

const LABELS: Record<Field, StringKey> = {
  firstName: 'field.firstName',
  lastName: 'field.lastName',
  email: 'field.email',
  phone: 'field.phone',
  dateOfBirth: 'field.dateOfBirth',
  notes: 'field.notes',
  consent: 'consent.label',
};

function Input(props: {
  field: Exclude<Field, 'consent'>;
  details: Details;
  errors: Errors;
  hint: StringKey;
  type?: 'text' | 'email' | 'tel' | 'date';
  autoComplete?: string;
  onInput: (field: Field, value: string) => void;
}) {
  const { field, details, errors, hint } = props;
  const id = `f-${field}`;
  const error = errors[field];
  const Tag = field === 'notes' ? 'textarea' : 'input';
  const common = {
    id,
    name: field,
    value: details[field],
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': `${id}-hint${error ? ` ${id}-error` : ''}`,
  };
  return (
    <div class={`field${error ? ' field-error' : ''}`}>
      <label for={id}>{t(LABELS[field])}</label>
      <p class="hint" id={`${id}-hint`}>
        {t(hint)}
      </p>
      {error && (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      )}
      {Tag === 'textarea' ? (
        <textarea
          {...common}
          onInput={(e) => props.onInput(field, (e.target as HTMLTextAreaElement).value)}
        />
      ) : (
        <input
          {...common}
          // One input for several types: Preact's types tell them apart by a literal `type`.
          type={(props.type ?? 'text') as 'text'}
          autoComplete={props.autoComplete}
          required
          onInput={(e) => props.onInput(field, (e.target as HTMLInputElement).value)}
        />
      )}
    </div>
  );
}

function Book() {
  const [step, setStep] = useState<'day' | 'time' | 'details' | 'summary' | 'done'>('day');
  const [date, setDate] = useState<string>();
  const [slot, setSlot] = useState<Slot>();
  const [refresh, setRefresh] = useState(0);
  const [notice, setNotice] = useState<string>();
  const [details, setDetails] = useState<Details>({
    firstName: '',
    lastName: '',
    email: '',
    phone: '',
    dateOfBirth: '',
    notes: '',
    consent: false,
  });
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [booked, setBooked] = useState<{ reference: string; startsAt: string }>();
  const [attempt, setAttempt] = useState(() => crypto.randomUUID());

  const onInput = (field: Field, value: string | boolean) => setDetails({ ...details, [field]: value });

  const showErrors = (found: Errors) => {
    setErrors(found);
    const first = (Object.keys(LABELS) as Field[]).find((f) => found[f]);
    if (first) requestAnimationFrame(() => document.getElementById(`f-${first}`)?.focus());
  };

  const toSummary = (event: Event) => {
    event.preventDefault();
    const found = validate(details);
    if (Object.keys(found).length) return showErrors(found);
    setErrors({});
    setStep('summary');
  };

  const confirm = async () => {
    setBusy(true);
    setNotice(undefined);
    try {
      const answer = await api<{ reference: string; slot: { startsAt: string } }>('POST', '/bookings', {
        body: {
          slotId: slot!.id,
          patient: {
            firstName: details.firstName.trim(),
            lastName: details.lastName.trim(),
            email: details.email.trim(),
            phone: details.phone.trim(),
            dateOfBirth: normaliseDate(details.dateOfBirth),
          },
          locale: config.locale,
          ...(details.notes.trim() ? { notes: details.notes.trim() } : {}),
          consent: true,
        },
        // A retry of the same attempt (a lost answer) books once.
        headers: { 'idempotency-key': attempt },
      });
      setBooked({ reference: answer.reference, startsAt: answer.slot.startsAt });
      setStep('done');
    } catch (e) {
      const problem = (e as ApiError).problem;
      setAttempt(crypto.randomUUID());
      if (problem.code === 'validation-failed') {
        setStep('details');
        showErrors(fieldErrors(problem));
      } else if (/^slot-(full|closed|cancelled|past|too-soon|too-far)$/.test(problem.code)) {
        // The time was taken (or closed) meanwhile: back to that day's times, fetched afresh.
        setNotice(problemText(problem));
        setRefresh(refresh + 1);
        setStep('time');
      } else {
        setNotice(problemText(problem));
      }
    } finally {
      setBusy(false);
    }
  };

  const errorList = (Object.keys(LABELS) as Field[]).filter((f) => errors[f]);
  return (
    <main id="main">
      <header class="top">
        <p class="clinic">{config.clinicName}</p>
        <LanguageSwitch />
      </header>
      <h1>{t('book.title')}</h1>
      {step === 'day' && (
        <section>
          <p class="step">{t('step', { n: 1 })}</p>
          <Heading>{t('day.heading')}</Heading>
          <Calendar refresh={refresh} onPick={(d) => (setDate(d), setNotice(undefined), setStep('time'))} />
          <details class="lost">
            <summary>{t('lookup.heading')}</summary>
            <Lookup />
          </details>
        </section>
      )}
      {step === 'time' && date && (
        <section>
          <p class="step">{t('step', { n: 2 })}</p>
          <Heading>{t('time.heading', { date: formatDate(date) })}</Heading>
          {notice && <Notice kind="error">{notice}</Notice>}
          <Times
            date={date}
            refresh={refresh}
            onPick={(s) => (setSlot(s), setNotice(undefined), setStep('details'))}
          />
          <button type="button" class="secondary" onClick={() => (setNotice(undefined), setStep('day'))}>
            {t('back')}
          </button>
        </section>
      )}
      {step === 'details' && slot && (
        <section>
          <p class="step">{t('step', { n: 3 })}</p>
          <Heading>{t('details.heading')}</Heading>
          <p class="chosen">{formatWhen(slot.startsAt)}</p>
          <p>{t('details.intro')}</p>
          {errorList.length > 0 && (
            <div class="notice notice-error" role="alert">
              <p>{t('errors.summary')}</p>
              <ul>
                {errorList.map((f) => (
                  <li key={f}>
                    <a href={`#f-${f}`}>
                      {f === 'consent' ? t('error.consent') : `${t(LABELS[f])}: ${errors[f]}`}
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <form onSubmit={toSummary} noValidate>
            <Input
              field="firstName"
              hint="hint.name"
              autoComplete="given-name"
              {...{ details, errors, onInput }}
            />
            <Input
              field="lastName"
              hint="hint.name"
              autoComplete="family-name"
              {...{ details, errors, onInput }}
            />
            <Input
              field="email"
              hint="hint.email"
              type="email"
              autoComplete="email"
              {...{ details, errors, onInput }}
            />
            <Input
              field="phone"
              hint="hint.phone"
              type="tel"
              autoComplete="tel"
              {...{ details, errors, onInput }}
            />
            <Input
              field="dateOfBirth"
              hint="hint.dateOfBirth"
              type="text"
              autoComplete="bday"
              {...{ details, errors, onInput }}
            />
            <Input field="notes" hint="hint.notes" {...{ details, errors, onInput }} />
            <div class={`field consent${errors.consent ? ' field-error' : ''}`}>
              {errors.consent && (
                <p class="error" id="f-consent-error">
                  {errors.consent}
                </p>
              )}
              <input
                id="f-consent"
                type="checkbox"
                checked={details.consent}
                aria-invalid={errors.consent ? 'true' : undefined}
                aria-describedby={errors.consent ? 'f-consent-error' : undefined}
                onChange={(e) => onInput('consent', (e.target as HTMLInputElement).checked)}
              />
              <label for="f-consent">{t('consent.label')}</label>
              {config.privacyNoticeUrl && (
                <p>
                  <a href={config.privacyNoticeUrl} target="_blank" rel="noopener noreferrer">
                    {t('consent.link')}
                  </a>
                </p>
              )}
            </div>
            <div class="row">
              <button type="submit" data-action="continue">
                {t('continue')}
              </button>
              <button type="button" class="secondary" onClick={() => (setErrors({}), setStep('time'))}>
                {t('back')}
              </button>
            </div>
          </form>
        </section>
      )}
      {step === 'summary' && slot && (
        <section>
          <p class="step">{t('step', { n: 4 })}</p>
          <Heading>{t('summary.heading')}</Heading>
          {notice && <Notice kind="error">{notice}</Notice>}
          <dl>
            <dt>{t('summary.when')}</dt>
            <dd>{formatWhen(slot.startsAt)}</dd>
            <dt>{t('summary.name')}</dt>
            <dd>
              {details.firstName.trim()} {details.lastName.trim()}
            </dd>
            <dt>{t('field.email')}</dt>
            <dd>{details.email.trim()}</dd>
            <dt>{t('field.phone')}</dt>
            <dd>{details.phone.trim()}</dd>
            <dt>{t('field.dateOfBirth')}</dt>
            <dd>{normaliseDate(details.dateOfBirth)}</dd>
          </dl>
          <div class="row">
            <button type="button" data-action="confirm" onClick={confirm} disabled={busy} aria-busy={busy}>
              {busy ? t('booking') : t('summary.confirm')}
            </button>
            <button type="button" class="secondary" onClick={() => setStep('details')}>
              {t('summary.change')}
            </button>
          </div>
        </section>
      )}
      {step === 'done' && booked && (
        <section>
          <Heading>{t('done.heading')}</Heading>
          <Notice kind="info">
            <p class="chosen">{formatWhen(booked.startsAt)}</p>
            <p>{t('done.reference', { reference: booked.reference })}</p>
            <p>{t('done.email', { email: details.email.trim() })}</p>
          </Notice>
        </section>
      )}
    </main>
  );
}

render(<Book />, document.getElementById('app')!);
reportHeight();
