/**
 * Runs the WeChat simulator as its own process (`npm run start:wechat`), reading the same platform
 * config and secrets as the services. Development and tests only.
 */
import { loadPlatformConfig } from '../../platform/config/platform-config.js';
import { readEnvironment } from '../../platform/env.js';
import { startWechatSimulator } from './server.js';

const env = readEnvironment();
const simulator = await startWechatSimulator({
  config: loadPlatformConfig(env.PLATFORM_CONFIG),
  secretOf: env.secret,
  host: env.HOST,
  port: env.PORT ?? env.WECHAT_SIM_PORT,
});
console.log(`wechat simulator listening on ${simulator.url} (development only: not WeChat)`);
const stop = () => void simulator.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
