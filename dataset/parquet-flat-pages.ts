import type { AsyncBuffer, ColumnMetaData, DecodedArray, FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { convert, DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage } from 'hyparquet/src/datapage.js';
import { readRleBitPackedHybrid } from 'hyparquet/src/encoding.js';
import { readPlain } from 'hyparquet/src/plain.js';

/**
 * Page-level reading of one flat (non-nested, non-repeated) Parquet column,
 * with hyparquet's own decoders (page headers, decompression, PLAIN values,
 * the RLE/bit-packed hybrid) but without its row assembly: hyparquet
 * assembles an OPTIONAL column into a plain array with a boxed number per
 * row, which costs more than all the decoding (1M rows × 25 nullable
 * columns: 1.5–2 s through parquetRead's onChunk, 0.3 s this way, measured
 * on the bench:drift files). Here definition levels land in
 * a byte array and dictionary pages stay as indexes, so a reader can map a
 * dictionary once and each row to a code without a string or a box per row.
 *
 * Layouts this does not cover (encodings other than PLAIN, dictionary and RLE booleans,
 * unknown page types) raise UnsupportedLayout; the caller then falls back to
 * hyparquet's general reader for that column.
 */

export class UnsupportedLayout extends Error {}

/** Where decoded pages go; rows are absolute (0-based) row numbers of the file. */
export interface FlatColumnSink {
  /** A dictionary page: the following pages' indexes point into these (converted) entries. */
  dictionary(entries: DecodedArray): void;
  /**
   * `rows` rows from `rowStart`. `defined` (absent when every row has a value)
   * marks with 1 the rows that have one; `values` holds only those, in order.
   */
  values(rowStart: number, rows: number, defined: Uint8Array | null, values: DecodedArray): void;
  /** As values(), with indexes into the last dictionary instead of values. */
  indexes(rowStart: number, rows: number, defined: Uint8Array | null, indexes: Int32Array): void;
}

export interface FlatColumnOptions {
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  element: SchemaElement;
  parsers?: Partial<ParquetParsers>;
}

/** Reads every row group's chunk of the column, in order, into the sink. */
export async function readFlatColumn(opts: FlatColumnOptions, sink: FlatColumnSink): Promise<void> {
  const { element } = opts;
  const optional = element.repetition_type === 'OPTIONAL';
  // The decoder context hyparquet's convert() expects (schema path: root, then the field).
  const decoder = {
    pathInSchema: [element.name],
    type: element.type!,
    element,
    schemaPath: [],
    codec: 'UNCOMPRESSED' as ColumnMetaData['codec'],
    parsers: { ...DEFAULT_PARSERS, ...opts.parsers },
    utf8: true,
  };
  let groupStart = 0;
  for (const group of opts.metadata.row_groups) {
    const rows = Number(group.num_rows);
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === element.name);
    if (!chunk?.meta_data) throw new UnsupportedLayout(`row group without a chunk for column ${element.name}`);
    if (chunk.file_path) throw new UnsupportedLayout('column chunk in another file');
    const meta = chunk.meta_data;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const bytes = await opts.buffer.slice(start, start + Number(meta.total_compressed_size));
    readChunk(bytes, { ...decoder, codec: meta.codec }, optional, groupStart, rows, sink);
    groupStart += rows;
  }
}

type Decoder = Parameters<typeof convert>[1];

function readChunk(bytes: ArrayBuffer, decoder: Decoder, optional: boolean, groupStart: number, groupRows: number, sink: FlatColumnSink): void {
  const reader = { view: new DataView(bytes), offset: 0 };
  let row = groupStart;
  const end = groupStart + groupRows;
  while (row < end) {
    if (reader.offset >= bytes.byteLength) throw new Error(`column chunk ends at row ${row} of ${end}`);
    const header = parquetHeader(reader);
    const compressed = new Uint8Array(bytes, reader.offset, header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    switch (header.type) {
      case 'DICTIONARY_PAGE': {
        const page = decompressPage(compressed, header.uncompressed_page_size, decoder.codec, undefined);
        const count = header.dictionary_page_header!.num_values;
        const entries = readPlain(pageReader(page), decoder.type, count, decoder.element.type_length);
        sink.dictionary(convert(entries, decoder));
        break;
      }
      case 'DATA_PAGE': {
        const daph = header.data_page_header!;
        const page = decompressPage(compressed, header.uncompressed_page_size, decoder.codec, undefined);
        const r = pageReader(page);
        const n = daph.num_values;
        let defined: Uint8Array | null = null;
        let present = n;
        if (optional) {
          defined = new Uint8Array(n);
          readRleBitPackedHybrid(r, 1, defined); // v1: 4-byte length prefix
          present = countOnes(defined);
          if (present === n) defined = null;
        }
        emit(sink, decoder, daph.encoding, r, page.byteLength, row, n, defined, present);
        row += n;
        break;
      }
      case 'DATA_PAGE_V2': {
        const h = header.data_page_header_v2!;
        if (h.repetition_levels_byte_length) throw new UnsupportedLayout('repetition levels in a flat column');
        const r0 = pageReader(compressed);
        const n = h.num_rows;
        let defined: Uint8Array | null = null;
        if (optional && h.num_nulls) {
          defined = new Uint8Array(n);
          readRleBitPackedHybrid(r0, 1, defined, h.definition_levels_byte_length);
        }
        const levels = h.definition_levels_byte_length;
        let valueBytes: Uint8Array = compressed.subarray(levels);
        const size = header.uncompressed_page_size - levels;
        if (h.is_compressed !== false && size) valueBytes = decompressPage(valueBytes, size, decoder.codec, undefined);
        emit(sink, decoder, h.encoding, pageReader(valueBytes), valueBytes.byteLength, row, n, defined, n - h.num_nulls);
        row += n;
        break;
      }
      default:
        // Index pages carry nothing a reader needs.
        break;
    }
  }
}

function pageReader(page: Uint8Array) {
  return { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
}

function countOnes(bits: Uint8Array): number {
  let ones = 0;
  for (let i = 0; i < bits.length; i++) ones += bits[i]!;
  return ones;
}

function emit(
  sink: FlatColumnSink,
  decoder: Decoder,
  encoding: string,
  r: { view: DataView; offset: number },
  byteLength: number,
  rowStart: number,
  rows: number,
  defined: Uint8Array | null,
  present: number,
): void {
  if (encoding === 'PLAIN') {
    const values = readPlain(r, decoder.type, present, decoder.element.type_length);
    sink.values(rowStart, rows, defined, convert(values, decoder));
  } else if (encoding === 'PLAIN_DICTIONARY' || encoding === 'RLE_DICTIONARY') {
    const bitWidth = r.view.getUint8(r.offset++);
    const indexes = new Int32Array(present);
    if (bitWidth) readRleBitPackedHybrid(r, bitWidth, indexes, byteLength - r.offset);
    sink.indexes(rowStart, rows, defined, indexes);
  } else if (encoding === 'RLE' && decoder.type === 'BOOLEAN') {
    // Booleans as a bit-width-1 hybrid run, after a 4-byte length (v1 and v2 alike).
    const bits = new Uint8Array(present);
    readRleBitPackedHybrid(r, 1, bits);
    sink.values(rowStart, rows, defined, Array.from(bits, (b) => b === 1));
  } else {
    throw new UnsupportedLayout(`encoding ${encoding}`);
  }
}
