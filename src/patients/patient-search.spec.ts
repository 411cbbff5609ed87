import { dateOfBirthIn } from './patient-search';

describe('dateOfBirthIn', () => {
  it.each([
    ['17-05-1980', '1980-05-17'],
    ['17/5/1980', '1980-05-17'],
    ['7.5.1980', '1980-05-07'],
    ['1980-05-17', '1980-05-17'],
    [' 29-02-2000 ', '2000-02-29'],
  ])('reads %s as %s', (q, date) => expect(dateOfBirthIn(q)).toBe(date));

  it.each(['30-02-1980', '1980-13-01', 'Anna', '0612345678', '17-05-80', ''])('finds no date in %p', (q) =>
    expect(dateOfBirthIn(q)).toBeUndefined(),
  );
});
