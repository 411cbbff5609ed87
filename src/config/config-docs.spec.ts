import { readFileSync } from 'node:fs';
import { CONFIGURATION_DOC, renderConfigurationDoc } from './config-docs';
import { CONFIG_DOCS, CONFIG_FIELDS } from './config';

describe('docs/configuration.md', () => {
  it('is what the configuration schema generates (run npm run docs:config after changing it)', () => {
    expect(readFileSync(CONFIGURATION_DOC, 'utf8')).toBe(renderConfigurationDoc());
  });

  it('describes every variable of the schema, with its default', () => {
    expect(Object.keys(CONFIG_DOCS).sort()).toEqual(Object.keys(CONFIG_FIELDS.shape).sort());
    expect(renderConfigurationDoc()).toContain('| `DATABASE_POOL_SIZE` | `20` |');
    expect(renderConfigurationDoc()).toContain('| `SMTP_URL` | unset: a mail drop');
  });
});
