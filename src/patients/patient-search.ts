import type { DataSource } from 'typeorm';
import { normalisePhone } from '../common/phone';
import { searchPattern } from '../common/search';
import type { Where } from '../common/sql';

/**
 * The alternatives that find a patient by free text `q`: anywhere in their names, email or
 * phone as patient_search_text() indexes them (case and accents folded), or their phone in any
 * notation, or their date of birth (dateOfBirthIn). `alias` is the patient table's alias in the query ('' for none). Answers the
 * condition, its parameters added to `where`.
 */
export async function patientMatches(
  dataSource: DataSource,
  where: Where,
  q: string,
  alias = '',
): Promise<string[]> {
  const column = (name: string) => (alias ? `${alias}.${name}` : name);
  const alternatives = [
    `patient_search_text(${['first_name', 'last_name', 'email', 'phone'].map(column).join(', ')}) LIKE ${where.param(
      await searchPattern(dataSource, q),
    )}`,
  ];
  const phone = normalisePhone(q);
  if (phone) alternatives.push(`${column('phone')} = ${where.param(phone)}`);
  const born = dateOfBirthIn(q);
  if (born) alternatives.push(`${column('date_of_birth')} = ${where.param(born)}::date`);
  return alternatives;
}

/**
 * A date of birth as the front desk types it: 17-05-1980, 17/5/1980, 17.05.1980 (day first, as
 * in the Netherlands) or 1980-05-17; answers YYYY-MM-DD, or undefined when `q` is no real date.
 */
export function dateOfBirthIn(q: string): string | undefined {
  const value = q.trim();
  const dayFirst = /^(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4})$/.exec(value);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const [year, month, day] = dayFirst
    ? [dayFirst[3], dayFirst[2], dayFirst[1]].map(Number)
    : iso
      ? [iso[1], iso[2], iso[3]].map(Number)
      : [];
  if (!year) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  return date.toISOString().slice(0, 10);
}
