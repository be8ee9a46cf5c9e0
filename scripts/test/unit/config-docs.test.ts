// The configuration reference is generated from the schemas that validate the
// configuration; a schema change without `npm run gen:docs` must fail here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { render } from '../../gen-config-docs.ts';

describe('docs/configuration.md', () => {
  it('is what the schemas and values.yaml generate', () => {
    const current = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(current, 'run npm run gen:docs').toBe(render());
  });

  it('documents every custom resource field, operator variable and Helm value section', () => {
    const text = render();
    for (const expected of [
      '`placements[].restockThreshold`',
      '`SHELFPULSE_LWM2M_HOST`',
      '`grafana.ingress.enabled`',
      '`retry.maxRetries`',
    ]) {
      expect(text).toContain(expected);
    }
  });
});
