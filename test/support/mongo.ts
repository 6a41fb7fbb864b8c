/**
 * Where tests find MongoDB: the real server named by MONGODB_URI when it is set, otherwise the
 * embedded dev server started for this test file. Each call gets a fresh, uniquely named database.
 */
import { randomBytes } from 'node:crypto';
import { startMongoDevServer, type MongoDevServer } from '../../dev/mongo/server.js';

// The one place the test process reads the environment.
const externalUri = process.env.MONGODB_URI;

export interface TestMongo {
  /** A connection string for a database no other test uses. */
  uri(dbPrefix?: string): string;
  /** True when running against the embedded dev server. */
  readonly embedded: boolean;
  close(): Promise<void>;
}

export async function startTestMongo(): Promise<TestMongo> {
  const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;
  if (externalUri) {
    const base = new URL(externalUri);
    return {
      embedded: false,
      uri: (prefix = 'test') => {
        const url = new URL(base);
        url.pathname = `/${unique(prefix)}`;
        return url.toString();
      },
      close: async () => {},
    };
  }
  const server: MongoDevServer = await startMongoDevServer();
  return { embedded: true, uri: (prefix = 'test') => server.uri(unique(prefix)), close: () => server.close() };
}
