/**
 * `npm run demo` against one running system, twice: each run is a new simulated person, named in its
 * output, whom ACME does not know yet, and each goes through every step (link, consent, coupon claim).
 * Run against a system that is not there, it says what to start.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_TEST_TIMEOUT_MS, startSystem, type System } from '../support/system.js';

const DEMO = fileURLToPath(new URL('../../dev/demo.ts', import.meta.url));

let system: System;
beforeAll(async () => {
  system = await startSystem();
}, PROCESS_TEST_TIMEOUT_MS);
afterAll(() => system?.close(), PROCESS_TEST_TIMEOUT_MS);

/** `npm run demo -- <gateway> <simulator>` as a process. */
const demo = (...urls: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', DEMO, ...urls], { env: { NODE_ENV: 'test' } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );

/** The answer printed under the step whose title starts with `title`. */
function answerOf(stdout: string, title: string): unknown {
  const step = stdout.split('\n# ').find((block) => block.startsWith(title));
  if (!step) throw new Error(`no step "${title}" in:\n${stdout}`);
  return JSON.parse(step.slice(step.indexOf('\n') + 1));
}

describe('npm run demo', () => {
  it('shows a new person on every run against the same system, each through every step', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) runs.push(await demo(system.gatewayUrl, system.simulator.url));
    const people = runs.map(({ code, stdout, stderr }) => {
      expect(stderr, stdout).toBe('');
      expect(code).toBe(0);
      const person = /^# This run's person: (alice-[0-9a-f]{8}), a new simulated WeChat user/.exec(stdout)?.[1];
      expect(person, stdout).toBeDefined();
      // New to ACME, and her claim succeeds: nothing of an earlier run is hers.
      expect(answerOf(stdout, `${person} on the platform, before ACME knows her`)).toMatchObject({ data: { me: { linkedMerchants: [] } } });
      expect(answerOf(stdout, 'now she claims a coupon')).toMatchObject({ data: { claimCoupon: { claimedAt: expect.any(String) } } });
      expect(stdout).toContain(`# That was ${person}.`);
      return person;
    });
    expect(people[0]).not.toBe(people[1]);
  });

  it('says what to start when nothing answers, and exits 1', async () => {
    const { code, stderr } = await demo('http://127.0.0.1:9/graphql', 'http://127.0.0.1:9');
    expect(code).toBe(1);
    expect(stderr).toContain('demo: cannot reach http://127.0.0.1:9/sim/login');
    expect(stderr).toContain('start the system with npm start');
  });
});
