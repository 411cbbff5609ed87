export const LOCALES = ['en', 'nl'] as const;
export type Locale = (typeof LOCALES)[number];

/** The supported language the client prefers most (`nl-NL,nl;q=0.9,en;q=0.8` → `nl`), if any. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header || header.length > 500) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return {
        language: tag.trim().toLowerCase().split('-')[0],
        quality: Number.isFinite(quality) ? quality : 0,
        index,
      };
    })
    .filter((entry) => entry.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  return ranked
    .map((entry) => entry.language)
    .find((language): language is Locale => (LOCALES as readonly string[]).includes(language));
}
