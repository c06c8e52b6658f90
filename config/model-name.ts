import { z } from 'zod';

/**
 * Model names become file names and database keys, so they are restricted to a
 * portable, path-safe alphabet (no separators, no leading dot, bounded length).
 */
export const ModelName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,62}$/,
    'must be 1-63 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
  );
export type ModelName = z.infer<typeof ModelName>;
