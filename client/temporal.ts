import { Client, Connection } from '@temporalio/client';

/** Where driftloop finds Temporal, from the environment (flags override these per command). */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

export function temporalSettings(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  return {
    address: env.TEMPORAL_ADDRESS ?? 'localhost:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.DRIFTLOOP_TASK_QUEUE ?? 'driftloop',
  };
}

export async function connectClient(settings: TemporalSettings): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: settings.address, connectTimeout: 5_000 });
  } catch (err) {
    throw new Error(
      `cannot reach Temporal at ${settings.address} (${(err as Error).message}); start one with "driftloop dev" or set TEMPORAL_ADDRESS`,
    );
  }
  return new Client({ connection, namespace: settings.namespace });
}
