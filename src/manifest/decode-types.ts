// The decoder's shared types, apart so that its helper files need not import decode.ts.

/** A JSON value as protobuf's `fromJson` reads it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Where a value of the decoded manifest came from. */
export interface NodeRef {
  /** Path in the manifest's own spelling, e.g. `spec.control_plane.replicas`. */
  display: string;
  /** Offset in the source of the key (or of the list item) that names this value. */
  keyOffset: number | undefined;
  /** Offset of the value itself. */
  valueOffset: number | undefined;
  /** True when the key is written in snake_case (Project Planton's spelling). */
  snake: boolean;
}

/** What decoding helpers need to report a diagnostic (the decoder). */
export interface Reporter {
  report(offset: number | undefined, path: string, code: string, message: string, hint: string): void;
}
