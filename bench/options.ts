/** The benchmark's command-line options, read once (bench/README.md explains each). */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    scenarios: { type: 'string', default: 'a,b,c,d,e,f' },
    /** Seconds of warm-up before a target's first round. */
    warmup: { type: 'string', default: '10' },
    /** Scenario (e): connections, and distinct logged-in viewers (tokens cycled request by request). */
    'burst-connections': { type: 'string', default: '200' },
    'burst-viewers': { type: 'string', default: '1000' },
    /** Scenario (f), the live room: anonymous sockets on one coupon, claims every interval for the seconds given. */
    'live-sockets': { type: 'string', default: '10000' },
    'live-seconds': { type: 'string', default: '30' },
    'live-interval-ms': { type: 'string', default: '100' },
    /** Scenario (f): logged-in sockets selecting claimedByMe, how many of them claim first, and the timed events. */
    'live-viewers': { type: 'string', default: '1000' },
    'live-claimed-first': { type: 'string', default: '100' },
    'live-events': { type: 'string', default: '10' },
    soak: { type: 'string', default: '0' },
    /** Seconds of load before the soak's measured seconds (V8 sizes its heap for the load meanwhile). */
    'soak-warmup': { type: 'string', default: '120' },
    /** What the soak runs (comma-separated): ours-plain under scenario b, ours-injection under a, burst (ours-injection under e). */
    'soak-target': { type: 'string', default: 'ours-plain' },
    'no-hive': { type: 'boolean', default: false },
    /** A git commit of this gateway measured in the same run (targets ours-baseline-*), e.g. the main a round started from. */
    baseline: { type: 'string' },
    /** Scenario (a)'s signed-fetch cost: the load each gateway of the pair is offered (both at once), and its rounds. */
    'signed-fetch-rate': { type: 'string', default: '600' },
    'signed-fetch-rounds': { type: 'string', default: '10' },
    /** Only these targets (comma-separated names), e.g. to compare two with more rounds. */
    targets: { type: 'string' },
    /** Writes V8 CPU profiles of these targets (comma-separated) to bench/results/profiles (open them in Chrome DevTools). */
    profile: { type: 'string', default: '' },
  },
});

const SOAK_SECONDS = Number(values.soak);
const SOAKS = new Set(SOAK_SECONDS > 0 ? values['soak-target']!.split(',') : []);
for (const soak of SOAKS)
  if (!['ours-plain', 'ours-injection', 'burst'].includes(soak)) throw new Error('--soak-target is ours-plain, ours-injection or burst');

export const OPTIONS = {
  /** Seconds per measurement. */
  duration: Number(values.duration),
  rounds: Number(values.rounds),
  connections: Number(values.connections),
  scenarios: new Set(values.scenarios!.split(',')),
  /** Only these targets; undefined for all. */
  targets: values.targets ? new Set(values.targets.split(',')) : undefined,
  soakSeconds: SOAK_SECONDS,
  soakWarmup: Number(values['soak-warmup']),
  soaks: SOAKS,
  warmup: Number(values.warmup),
  burstConnections: Number(values['burst-connections']),
  burstViewers: Number(values['burst-viewers']),
  live: {
    sockets: Number(values['live-sockets']),
    seconds: Number(values['live-seconds']),
    intervalMs: Number(values['live-interval-ms']),
    viewers: Number(values['live-viewers']),
    claimedFirst: Number(values['live-claimed-first']),
    events: Number(values['live-events']),
  },
  signedFetchRate: Number(values['signed-fetch-rate']),
  signedFetchRounds: Number(values['signed-fetch-rounds']),
  profiled: new Set(values.profile!.split(',').filter(Boolean)),
  noHive: values['no-hive']!,
  baseline: values.baseline,
};
