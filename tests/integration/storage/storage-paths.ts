import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../../services/embedded-postgres.js';
import { testServices } from '../../helpers/services.js';
import { quietLogger } from './storage-fixtures.js';

export interface StoragePath {
  name: 'plain PostgreSQL' | 'PGlite + TimescaleDB';
  timescaledb: boolean;
  /** Valid inside tests (after beforeAll). */
  url(): string;
  /** Connections to use: PGlite runs one statement at a time. */
  poolSize: number;
}

/**
 * Both storage paths for describe.each: the real PostgreSQL of the test services, and an in-memory
 * PGlite with TimescaleDB started for the file (and closed after it).
 */
export function storagePaths(): StoragePath[] {
  let embedded: EmbeddedPostgres | undefined;
  beforeAll(async () => {
    embedded = await startEmbeddedPostgres({ dataDir: 'memory://', logger: quietLogger() });
  });
  afterAll(async () => {
    await embedded?.close();
  });
  return [
    { name: 'plain PostgreSQL', timescaledb: false, url: () => testServices().databaseUrl, poolSize: 4 },
    {
      name: 'PGlite + TimescaleDB',
      timescaledb: true,
      url: () => {
        if (!embedded) throw new Error('embedded PostgreSQL not started');
        return embedded.url;
      },
      poolSize: 1,
    },
  ];
}
