/** The gateway runs with its Node flags (gateway/node-flags.ts) wherever the project starts it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { launchPlan, GATEWAY } from '../../dev/launch-plan.js';
import { GATEWAY_NODE_FLAGS } from '../../gateway/node-flags.js';
import { loadPlatformConfig } from '../../platform/config/platform-config.js';
import { indexPlatform } from '../../platform/config/platform-index.js';
import { readEnvironment } from '../../platform/env.js';
import { loadSupergraphConfig } from '../../schema/supergraph-config.js';

describe("the gateway's Node flags", () => {
  it('are on the production command, npm run start:prod', () => {
    const scripts = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const command = scripts['start:prod']!.split(' ');
    expect(command[0]).toBe('node');
    expect(command.slice(1, 1 + GATEWAY_NODE_FLAGS.length)).toEqual([...GATEWAY_NODE_FLAGS]);
    expect(command.at(-1)).toBe('dist/gateway/main.js');
  });

  it("are on npm start's gateway process, and only on it", () => {
    const env = readEnvironment({});
    const plan = launchPlan(env, indexPlatform(loadPlatformConfig(env.PLATFORM_CONFIG)), loadSupergraphConfig(env.SUPERGRAPH_CONFIG));
    for (const launched of plan) expect(launched.nodeFlags).toEqual(launched.name === GATEWAY ? GATEWAY_NODE_FLAGS : []);
  });
});
