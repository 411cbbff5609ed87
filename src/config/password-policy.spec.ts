import { passwordProblem } from './password-policy';

describe('passwordProblem', () => {
  it.each(['aaaaaaaaaaaa', '            ', 'password1234', 'Password1234', 'qwertyuiop12'])(
    'refuses %j',
    (password) => {
      expect(passwordProblem(password)).toBeDefined();
    },
  );

  it.each(['correct horse battery staple', 'a long enough password', 'Zomer aan de Maas 2027'])(
    'accepts %j',
    (password) => {
      expect(passwordProblem(password)).toBeUndefined();
    },
  );
});
