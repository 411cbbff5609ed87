import { bookingIdentity, canonicalEmail } from './booking-quota';

describe('canonicalEmail', () => {
  it.each([
    ['Anna.de.Vries+b12@Example.NL', 'anna.de.vries@example.nl'],
    ['a.n.n.a+1@gmail.com', 'anna@gmail.com'],
    ['A.N.N.A@GoogleMail.com', 'anna@gmail.com'],
    ['anna@example.nl', 'anna@example.nl'],
  ])('folds %s to %s', (email, canonical) => {
    expect(canonicalEmail(email)).toBe(canonical);
  });

  it('keeps one identity per mailbox and date of birth', () => {
    expect(bookingIdentity('a.n.n.a+x@gmail.com', '1980-01-01')).toBe(
      bookingIdentity('anna@gmail.com', '1980-01-01'),
    );
    expect(bookingIdentity('anna@gmail.com', '1980-01-01')).not.toBe(
      bookingIdentity('anna@gmail.com', '1980-01-02'),
    );
    expect(bookingIdentity('anna@gmail.com', '1980-01-01')).toMatch(/^[0-9a-f]{64}$/);
  });
});
