/**
 * What `npm run dev:subgraph` tells a merchant team about the secret its subgraph verifies the gateway's
 * identity header with: the value, where it comes from, that it stays the same from run to run, and how
 * to choose it instead.
 */
import { DEVELOPMENT_SECRET_PREFIX } from '../../platform/config/secret-names.js';
import type { KeptSecretSource } from '../dev-secrets.js';

export interface SecretInstructionsOptions {
  /** The variable naming the subgraph's secret (`TEASHOP_SUBGRAPH_SECRET`). */
  name: string;
  value: string;
  source: KeptSecretSource;
  /** The file it is kept in. */
  file: string;
  /** The arguments the dev loop was started with, to repeat in the example. */
  args: string[];
}

/** Quotes an argument only when a shell would split or expand it, so the example pastes as it reads. */
const shellWord = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`);

/** The lines printed under "ready"; the first starts with `  NAME=value`, which tools read. */
export function secretInstructions({ name, value, source, file, args }: SecretInstructionsOptions): string {
  const origin = {
    environment: `Taken from ${name} in your environment; without it, the one kept in ${file} is used.`,
    kept: `The same as on your last run: kept in ${file} (delete that file for a new one).`,
    new: `New, and kept in ${file}: the next runs use it too (delete that file for a new one).`,
  }[source];
  return `Verify the identity the gateway sends your subgraph with this secret (x-identity, HMAC-SHA256):
  ${name}=${value}

${origin}
To choose it yourself, set ${name} when you start the dev loop; it must start with ${DEVELOPMENT_SECRET_PREFIX}, so production refuses it:
  ${name}=${DEVELOPMENT_SECRET_PREFIX}-<at least 16 characters> npm run dev:subgraph -- ${args.map(shellWord).join(' ')}`;
}
