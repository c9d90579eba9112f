/** Every function's bundle builds through the real CDK bundling (esbuild, no Docker), carries the policy, and loads. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetStaging } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/constructs/leadclock-function.ts';
import { FUNCTIONS } from '../../infra/stateless-stack.ts';
import { importMillis, linkNodeModules } from '../bench/bundles.ts';
import { removeScratch, type Synthesised, synthLeadclock } from './synth.ts';

let s: Synthesised;
const bundleDir = (name: string): string => {
  const fn = s.stateless.functions[name]?.fn;
  const staging = fn?.node.findAll().find((c): c is AssetStaging => c instanceof AssetStaging);
  if (!staging) throw new Error(`${name}: no asset`);
  return join(s.outdir, staging.relativeStagedPath(s.stateless));
};

afterAll(removeScratch);

beforeAll(() => {
  s = synthLeadclock({ bundle: true });
  // Bundles keep @aws-sdk/* external (Lambda provides it): resolve it from this project, as Lambda does from its runtime.
  linkNodeModules(s.outdir);
}, 120_000);

describe('function bundles', () => {
  for (const spec of FUNCTIONS) {
    it(`${spec.name}: an ESM bundle with its source map and the policy, importable with a complete environment`, () => {
      // Prepare
      const dir = bundleDir(spec.name);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      // Act
      const millis = importMillis(dir);
      // Assess
      expect(
        code.startsWith(
          "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        ),
      ).toBe(true);
      expect(code).toMatch(/\n\/\/# sourceMappingURL=index\.mjs\.map\n?$/);
      expect(JSON.parse(readFileSync(join(dir, 'index.mjs.map'), 'utf8')).sourcesContent).toBeUndefined();
      expect(code).not.toMatch(/from\s*"@aws-sdk\/client-dynamodb\/dist-cjs/);
      expect(readFileSync(join(dir, 'policy.yaml'), 'utf8')).toBe(
        readFileSync(join(PROJECT_ROOT, 'config/policy.example.yaml'), 'utf8'),
      );
      expect(millis).toBeGreaterThan(0);
    });
  }
});
