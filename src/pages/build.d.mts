/** Builds the patient pages into `outDir` (default dist/pages); answers the manifest. */
export function buildPages(outDir?: string): Promise<Record<string, string>>;
