/**
 * The request is well formed but the data it selects cannot support the statistic: every cell has
 * the same count, too few cells or time steps, no incidents in an evaluation period. http/ answers
 * it with 422 and this message, which says what is missing.
 */
export class InsufficientDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsufficientDataError';
  }
}
