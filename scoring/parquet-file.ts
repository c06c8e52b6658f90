import { asyncBufferFromFile, parquetMetadataAsync, parquetSchema } from 'hyparquet';
import { DataError } from '../errors/index.js';

export type ParquetBuffer = Awaited<ReturnType<typeof asyncBufferFromFile>>;
export type ParquetMetadata = Awaited<ReturnType<typeof parquetMetadataAsync>>;

/** A Parquet file opened for row reads: its buffer, footer and column names; a file that is not Parquet is a DataError naming it. */
export async function openParquetFile(file: string): Promise<{ buffer: ParquetBuffer; metadata: ParquetMetadata; header: string[] }> {
  try {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    return { buffer, metadata, header: parquetSchema(metadata).children.map((c) => c.element.name) };
  } catch (err) {
    throw new DataError(`cannot read Parquet file ${file}: ${(err as Error).message}`, { file });
  }
}
