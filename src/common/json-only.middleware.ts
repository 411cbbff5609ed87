import { Injectable, NestMiddleware, UnsupportedMediaTypeException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** application/json and the structured-syntax `+json` types (RFC 6839), parameters aside. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** Whether a Content-Type header names JSON. */
function isJsonContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_MEDIA_TYPE.test(contentType.trim());
}

/**
 * A body that is not JSON would otherwise reach a parser for another type (or none, with a
 * terse refusal); refusing it here, before the body is read, says what is actually wrong.
 */
@Injectable()
export class JsonOnlyMiddleware implements NestMiddleware {
  use(request: IncomingMessage, _response: ServerResponse, next: () => void): void {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 ||
      request.headers['transfer-encoding'] !== undefined;
    if (hasBody && !isJsonContentType(request.headers['content-type'])) {
      throw new UnsupportedMediaTypeException(
        'The request body must be JSON (Content-Type: application/json).',
      );
    }
    next();
  }
}
