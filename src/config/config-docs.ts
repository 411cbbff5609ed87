import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DOCS, CONFIG_FIELDS } from './config';

export const CONFIGURATION_DOC = join(__dirname, '..', '..', 'docs', 'configuration.md');

/** The default of a variable as its schema gives it, or what unset means. */
function defaultOf(name: keyof typeof CONFIG_DOCS): string {
  const unset = CONFIG_DOCS[name].unset;
  if (unset) return `unset: ${unset}`;
  const parsed = CONFIG_FIELDS.shape[name].safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return 'required';
  return `\`${String(parsed.data)}\``;
}

/** docs/configuration.md, from the configuration schema and its descriptions. */
export function renderConfigurationDoc(): string {
  const rows = (Object.keys(CONFIG_DOCS) as (keyof typeof CONFIG_DOCS)[]).map(
    (name) => `| \`${name}\` | ${defaultOf(name)} | ${CONFIG_DOCS[name].text} |`,
  );
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/config.ts by `npm run docs:config`; edit there, not here. -->',
    '',
    'Environment variables, read and validated once at start-up: an invalid value stops the process',
    'with one line naming the variable and what is wrong (values are never echoed; some are',
    'secrets). Empty values count as unset.',
    '',
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (require.main === module) writeFileSync(CONFIGURATION_DOC, renderConfigurationDoc());
