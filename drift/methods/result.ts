/** What a method computes on one column (the verdict comes later, from the threshold). */
export interface MethodResult {
  /** ks: D; chisquare: χ²; ztest: z; distances: the distance. Null when it is not a finite number (see `reason`). */
  statistic: number | null;
  /** The p-value of p-value methods; null for distances. */
  pValue: number | null;
  /** Why `statistic` is null though the column was tested (e.g. χ² is infinite). */
  reason?: string;
}
