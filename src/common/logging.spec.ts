import { Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import type pino from 'pino';
import type { IncomingMessage } from 'node:http';
import { createRootLogger, PinoNestLogger, requestId } from './logging';

describe('PinoNestLogger', () => {
  let lines: Record<string, unknown>[];

  /** Nest's Logger, as the app's classes use it, writing through PinoNestLogger to `lines`. */
  function nestLogger(level: pino.LevelWithSilent, context?: string): Logger {
    lines = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    // Synchronous: pino writes each line before the call returns.
    Logger.overrideLogger(new PinoNestLogger(createRootLogger({ logLevel: level }, sink)));
    return context ? new Logger(context) : new Logger();
  }

  afterAll(() => Logger.overrideLogger(new Logger()));

  it('makes an object argument the fields and the next the message, with the context', () => {
    nestLogger('info', 'Dispatcher').warn({ notificationId: 7 }, 'could not send');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'could not send',
      context: 'Dispatcher',
      notificationId: 7,
    });
  });

  it('logs a plain message with its context, at the level of the method', () => {
    const logger = nestLogger('trace', 'Mailer');
    logger.log('started');
    logger.debug('details');
    logger.verbose('more details');
    logger.fatal('gone');
    expect(lines.map((l) => [l.level, l.msg, l.context])).toEqual([
      [30, 'started', 'Mailer'],
      [20, 'details', 'Mailer'],
      [10, 'more details', 'Mailer'],
      [60, 'gone', 'Mailer'],
    ]);
  });

  it("keeps the stack of Nest's own (message, stack, context) errors", () => {
    const error = new Error('boom');
    nestLogger('info', 'ExceptionsHandler').error(error.message, error.stack);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'boom', context: 'ExceptionsHandler' });
    expect(lines[0].stack).toContain('logging.spec.ts');
  });

  it('serialises an Error given as the first argument', () => {
    nestLogger('info', 'Audit').error(new Error('disk full'));
    expect(lines[0]).toMatchObject({ level: 50, msg: 'disk full', err: { message: 'disk full' } });
  });

  it('writes nothing below the configured level', () => {
    const logger = nestLogger('warn', 'Retention');
    logger.log({ patients: 3 }, 'erased');
    logger.debug('details');
    logger.warn('kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
  });

  it('logs a message given without a context', () => {
    nestLogger('info').log('no context');
    expect(lines[0]).toMatchObject({ level: 30, msg: 'no context' });
    expect(lines[0]).not.toHaveProperty('context');
  });
});

describe('requestId', () => {
  const request = (id?: string) => ({ headers: id ? { 'x-request-id': id } : {} }) as IncomingMessage;

  it('takes a well-formed id from a trusted proxy only, and makes one otherwise', () => {
    expect(requestId(request('lb-1234.abc'), true)).toBe('lb-1234.abc');
    expect(requestId(request('lb-1234.abc'), false)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestId(request('bad id\nwith a line'), true)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestId(request(), true)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
