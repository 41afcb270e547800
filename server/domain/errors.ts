/**
 * What went wrong, in the domain's terms: the request asks for something invalid, something that is
 * not there, something that conflicts with what is stored, or something the caller may not be given
 * (disclosure control). Services raise these; http/ maps them to status codes (400, 403, 404, 409,
 * 422, 503), so nothing below http/ knows about HTTP.
 */
export type DomainErrorKind = 'invalid' | 'forbidden' | 'not_found' | 'conflict' | 'unprocessable' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly details?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * The request is well formed but the data it selects cannot support the statistic: every cell has
 * the same count, too few cells or time steps, no incidents in an evaluation period. Answered with
 * 422 and this message, which says what is missing.
 */
export class InsufficientDataError extends DomainError {
  constructor(message: string) {
    super('unprocessable', message);
    this.name = 'InsufficientDataError';
  }
}
