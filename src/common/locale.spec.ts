import { localeFromAcceptLanguage } from './locale';

describe('localeFromAcceptLanguage', () => {
  it.each([
    ['nl-NL,nl;q=0.9,en-US;q=0.8,en;q=0.7', 'nl'],
    ['en-GB,en;q=0.9,nl;q=0.8', 'en'],
    ['de-DE,de;q=0.9,nl;q=0.5,en;q=0.4', 'nl'],
    ['en;q=0.2, nl;q=0.8', 'nl'],
    ['NL', 'nl'],
    ['fr-FR,fr;q=0.9', undefined],
    ['nl;q=0, en', 'en'],
    ['*', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(localeFromAcceptLanguage(header)).toBe(expected);
  });
});
