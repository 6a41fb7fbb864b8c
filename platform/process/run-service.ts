/**
 * How each component runs as a process: read the environment and config once, start, log where it
 * listens, and stop cleanly on SIGINT / SIGTERM or when the `npm start` launcher goes away. A bad
 * setting ends start-up with exit code 2 and a message saying what to change.
 */
import { PlatformConfigError } from '../config/platform-config.js';
import { EnvironmentError, inspectEnvironment, type Environment, type Settings } from '../env.js';
import type { ShutdownOptions } from '@identity-federation-gateway/subgraph-kit';
import { createLogger, type Logger } from '../logger.js';
import { startTelemetry } from '../telemetry.js';
import { startupProblems, type StartupChecks } from './requirements.js';

export interface Stoppable {
  /** Stops serving: the runner passes the drain bounds from the environment. */
  close(shutdown?: ShutdownOptions): Promise<void>;
}

export interface ServiceOptions<S extends Settings | undefined> {
  /** The variables only this component reads, validated with the shared ones. */
  settings?: S;
  /** What it needs to start (requirements.ts): checked with the variables' validity, all reported in one run. */
  requires?: (env: Environment<S>) => StartupChecks;
}

/** Runs a component: its environment read and checked once, every problem reported before anything starts. */
export async function runService<S extends Settings | undefined = undefined>(
  name: string,
  start: (env: Environment<S>, logger: Logger) => Promise<Stoppable>,
  options: ServiceOptions<S> = {},
): Promise<void> {
  const { env, invalid } = inspectEnvironment(undefined, options.settings);
  let problems: string[];
  try {
    problems = startupProblems(env, options.requires?.(env) ?? { requirements: [], problems: [] }, invalid);
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    problems = [...invalid.values(), error.message];
  }
  if (problems.length > 0) {
    console.error(`${name} cannot start; change these settings and start it again:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    process.exit(2);
  }
  const logger = createLogger(name, env.LOG_LEVEL);
  const telemetry = await startTelemetry({ serviceName: env.OTEL_SERVICE_NAME ?? name, otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT });
  let running: Stoppable;
  try {
    running = await start(env, logger);
  } catch (error) {
    if (error instanceof EnvironmentError || error instanceof PlatformConfigError) {
      console.error(`${name}: ${error.message}`);
      process.exit(2);
    }
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // Draining is bounded by the server itself; this only catches a close that hangs past those bounds.
    const timer = setTimeout(() => process.exit(1), env.SHUTDOWN_DELAY_MS + env.SHUTDOWN_TIMEOUT_MS + 5000);
    timer.unref();
    running
      .close({ delayMs: env.SHUTDOWN_DELAY_MS, timeoutMs: env.SHUTDOWN_TIMEOUT_MS })
      .then(() => telemetry.shutdown())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Started by `npm start`: when the launcher is gone its end of our stdin closes, and so do we (no orphans).
  // (Not an IPC channel: with one, tsx's preload relays termination signals to the parent instead of stopping.)
  if (env.EXIT_WITH_LAUNCHER) {
    process.stdin.on('end', () => stop('launcher exited'));
    process.stdin.resume();
  }
}

/** A required setting, with the message that says how to provide it. */
export function required<T>(value: T | undefined, message: string): T {
  if (value === undefined || value === '') throw new EnvironmentError(message);
  return value;
}
