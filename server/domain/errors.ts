/**
 * What went wrong, in the domain's terms: the request asks for something invalid, something that is
 * not there, or something that conflicts with what is stored. Services raise these; http/ maps them
 * to status codes (400, 404, 409, 422, 503), so nothing below http/ knows about HTTP.
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'unprocessable' | 'unavailable';

export class DomainError extends Error {
  constructor(readonly kind: DomainErrorKind, message: string, readonly details?: { path: string; message: string }[]) {
    super(message);
    this.name = 'DomainError';
  }
}
