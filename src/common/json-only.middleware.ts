import { Injectable, NestMiddleware, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/**
 * A body that is not JSON would otherwise be ignored by the JSON parser and reach validation
 * as an empty object; refusing it says what is actually wrong.
 */
@Injectable()
export class JsonOnlyMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    const hasBody =
      Number(request.headers['content-length'] ?? 0) > 0 ||
      request.headers['transfer-encoding'] !== undefined;
    if (hasBody && !request.is(['application/json', 'application/*+json'])) {
      throw new UnsupportedMediaTypeException(
        'The request body must be JSON (Content-Type: application/json).',
      );
    }
    next();
  }
}
