import type { DataSource } from 'typeorm';
import { normalisePhone } from '../common/phone';
import { searchPattern } from '../common/search';
import type { Where } from '../common/sql';

/**
 * The alternatives that find a patient by free text `q`: anywhere in their names, email or
 * phone as patient_search_text() indexes them (case and accents folded), or their phone in any
 * notation. `alias` is the patient table's alias in the query ('' for none). Answers the
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
  return alternatives;
}
