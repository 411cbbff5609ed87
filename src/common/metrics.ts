import { Global, Injectable, Module } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A label value with no patient detail and no raw URL: a route template, a code, a status. */
type Labels<T extends string> = Partial<Record<T, string>>;

/**
 * The service's Prometheus metrics, one registry per app (tests run several apps in a process).
 * Counters are this instance's; gauges read from the database (the outbox) are the same on
 * every instance. Labels are route templates, problem codes, statuses and kinds: never a raw
 * URL, an address or anything about a patient.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly bookingsMade = new Counter({
    name: 'clinic_bookings_made_total',
    help: 'Bookings made, by source (online or staff)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly bookingsCancelled = new Counter({
    name: 'clinic_bookings_cancelled_total',
    help: 'Bookings cancelled, by who cancelled (patient or staff)',
    labelNames: ['by'] as const,
    registers: [this.registry],
  });

  readonly bookingsRefused = new Counter({
    name: 'clinic_bookings_refused_total',
    help: 'Booking attempts refused, by reason (the problem code: slot-full, slot-closed, booking-limit, ...)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly emailsSent = new Counter({
    name: 'clinic_emails_sent_total',
    help: 'Emails handed to the mail server, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly emailFailures = new Counter({
    name: 'clinic_email_failures_total',
    help: 'Sends that failed, by outcome (retry: tried again later; dead: given up)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** Requests this instance is answering right now. */
  requestsInFlight = 0;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const inFlight = () => this.requestsInFlight;
    new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests this instance is answering right now',
      registers: [this.registry],
      collect() {
        this.set(inFlight());
      },
    });
  }

  /**
   * A gauge whose values are read when scraped (`read` answers value per label set); a failed
   * read leaves the gauge without values for that scrape rather than failing the scrape.
   */
  gauge<T extends string>(
    name: string,
    help: string,
    labelNames: readonly T[],
    read: () => Promise<{ labels: Labels<T>; value: number }[]> | { labels: Labels<T>; value: number }[],
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const { labels, value } of await read()) this.set(labels, value);
        } catch {
          // The scrape still answers: the gauge is simply absent this time.
        }
      },
    });
  }

  /**
   * Times every answered request by its route template (`unmatched` when no route matched),
   * and counts the requests in flight.
   */
  timeRequests(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (_request, reply, done) => {
      this.requestsInFlight++;
      reply.raw.once('close', () => this.requestsInFlight--);
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      this.requestDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}

@Global()
@Module({ providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
