/**
 * `runtimeConfig`: how long from a run-time change to the first lead routed under it, on `npm start`'s
 * runtime (the watched policy file, 500 ms polling; the availability overlay over the admin API).
 * - policyPublishSeconds: `npm run policy -- publish --local` of a policy sending EMEA leads elsewhere,
 *   until a captured lead goes there;
 * - availabilityChangeSeconds: pausing two reps over POST /admin/availability, until a lead's why names it.
 * secondsToEffect is the slower of the two (goal ≤ 5).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRuntime } from '../../infra/local/runtime.ts';
import { publish } from '../../shared/cli/policy-publish.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export async function benchRuntimeConfig(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'leadclock-bench-policy-'));
  const file = join(dir, 'policy.yaml');
  const example = readFileSync('config/policy.example.yaml', 'utf8');
  writeFileSync(file, example);
  const lc = await startLocalRuntime({ policyPath: file, port: 0, log: silent });
  let n = 0;
  const capture = async () => {
    const res = await fetch(`${lc.url}/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lc.stack.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench${n++}@acme.example`, intent: 'demo', country: 'DE' }),
    });
    if (res.status !== 202) throw new Error(`capture answered ${res.status}`);
    return (await res.json()) as { leadId: string; ownerId: string | null };
  };
  /** Captures a lead every 50 ms until `done` says one was routed under the change; seconds since `t0`. */
  const until = async (
    t0: number,
    done: (l: { leadId: string; ownerId: string | null }) => Promise<boolean>,
  ) => {
    for (;;) {
      if (await done(await capture())) return (performance.now() - t0) / 1000;
      if (performance.now() - t0 > 30_000) throw new Error('the change did not take effect within 30 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await capture();
    const changed = example.replace(
      'match: { region: [EMEA] }\n      target: { team: emea-sdr }',
      'match: { region: [EMEA] }\n      target: { team: emea-overflow }',
    );
    let t0 = performance.now();
    await publish({ kind: 'local', file }, changed, 'bench.yaml');
    const policyPublishSeconds = await until(t0, async (l) => l.ownerId === '1101');

    await publish({ kind: 'local', file }, example, 'bench-back.yaml');
    await until(performance.now(), async (l) => l.ownerId !== '1101');
    t0 = performance.now();
    for (const ownerId of ['1001', '1002']) {
      const res = await fetch(`${lc.url}/admin/availability`, {
        method: 'POST',
        headers: { authorization: `Bearer ${lc.stack.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'pause', ownerId, by: 'Bench Manager' }),
      });
      if (res.status !== 200) throw new Error(`availability change answered ${res.status}`);
    }
    const availabilityChangeSeconds = await until(t0, async (l) => {
      const lead = await lc.stack.rt.store.getLead(l.leadId);
      return lead?.trail.some((t) => t.includes('paused by Bench Manager')) ?? false;
    });
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      runtimeConfig: {
        secondsToEffect: round(Math.max(policyPublishSeconds, availabilityChangeSeconds)),
        policyPublishSeconds: round(policyPublishSeconds),
        availabilityChangeSeconds: round(availabilityChangeSeconds),
        policyPollMs: 500,
        goalSeconds: 5,
      },
    };
  } finally {
    await lc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
