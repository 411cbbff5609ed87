import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const secret = 's'.repeat(40);

  it('opens what it sealed, and the sealed text does not contain the plaintext', () => {
    const box = new SecretBox(secret, 'test');
    const sealed = box.seal('manage-token-123');
    expect(sealed).not.toContain('manage-token-123');
    expect(box.open(sealed)).toBe('manage-token-123');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('refuses what another purpose or secret sealed, and tampered text', () => {
    const sealed = new SecretBox(secret, 'a').seal('x');
    expect(() => new SecretBox(secret, 'b').open(sealed)).toThrow();
    expect(() => new SecretBox('t'.repeat(40), 'a').open(sealed)).toThrow();
    const [iv, tag, data] = sealed.split('.');
    // One bit of the ciphertext flipped (replacing characters could, once in 256, change nothing).
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      new SecretBox(secret, 'a').open([iv, tag, flipped.toString('base64url')].join('.')),
    ).toThrow();
  });
});
