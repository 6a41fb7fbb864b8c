/**
 * `npm run audit -- <userId>`: prints every link, unlink, merge, refusal, consent change, export and operator action that concerns a
 * user, oldest first, one JSON line each, for operators and privacy requests. Reads MONGODB_URI.
 */
import { identityModels } from '../../../platform/identity-store/models.js';
import { MONGODB_URI } from '../../../platform/process/requirements.js';
import { runService } from '../../../platform/process/run-service.js';
import { connectDatabase } from '../../../platform/process/service-setup.js';
import { AuditLog } from '../audit-log.js';

const userId = process.argv[2];
if (!userId || !/^[A-Za-z0-9_-]{1,64}$/.test(userId)) {
  console.error('usage: npm run audit -- <userId>');
  process.exit(2);
}

await runService(
  'audit',
  async (env) => {
    const connection = await connectDatabase(env, 'identity');
    const events = await new AuditLog(identityModels(connection)).forUser(userId);
    for (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
    if (events.length === 0) console.error(`no audit events for ${userId}`);
    await connection.close();
    process.exit(0);
  },
  { requires: () => ({ requirements: [MONGODB_URI], problems: [] }) },
);
