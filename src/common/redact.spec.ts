import { scrubEmails } from './redact';

describe('scrubEmails', () => {
  it('keeps the domain of every address and drops whose it was', () => {
    expect(scrubEmails('550 5.1.1 <anna.de.vries+b12@example.nl>: Recipient address rejected')).toBe(
      '550 5.1.1 <…@example.nl>: Recipient address rejected',
    );
    expect(scrubEmails('to=bram@mail.example.test, cc="x@y.org"')).toBe(
      'to=…@mail.example.test, cc="…@y.org"',
    );
  });

  it('leaves text without addresses alone', () => {
    expect(scrubEmails('ECONNREFUSED 127.0.0.1:2525 connect failed @ 10:00')).toBe(
      'ECONNREFUSED 127.0.0.1:2525 connect failed @ 10:00',
    );
  });
});
