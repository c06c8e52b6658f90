import pg from 'pg';
import { inject } from 'vitest';

/** The test cluster's URL (test/setup/postgres.ts); throws its start-up failure, failing the calling test. */
export function postgresUrl(): string {
  const url = inject('postgresUrl');
  if (!url) throw new Error(inject('postgresError') || 'no PostgreSQL test cluster was provided (is test/setup/postgres.ts in vitest globalSetup?)');
  return url;
}

/** Runs `fn` with a client connected to the test database (or to `url`). */
export async function withClient<T>(fn: (c: pg.Client) => Promise<T>, url = postgresUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
