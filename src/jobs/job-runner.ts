import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';

/** A periodic job: `run` does one round and answers what to log about it. */
export interface Job {
  name: string;
  everyMs: number;
  /** Rounds logged at debug level only (a job that runs every minute). */
  quiet?: boolean;
  run(): Promise<Record<string, number>>;
}

/** The jobs to run (declared in jobs.module.ts). */
export const JOBS = Symbol('JOBS');

/** The advisory-lock key space of jobs (the second key is the job's name, hashed). */
const JOB_LOCK_SPACE = 0x6a6f6273; // "jobs"

/**
 * Runs each job once soon after start (JOBS_FIRST_RUN_DELAY_MS) and then every `everyMs`, on
 * every instance, but each round under a PostgreSQL advisory lock taken without waiting: while
 * one instance runs a job, the others skip that round. A failed round is logged and the next
 * one comes as planned.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobRunner.name);
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scheduler: SchedulerRegistry,
    @Inject(JOBS) private readonly jobs: Job[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.scheduledJobs) return;
    for (const job of this.jobs) {
      const tick = () => void this.track(this.runExclusive(job));
      this.scheduler.addTimeout(`${job.name}:first`, setTimeout(tick, this.config.jobsFirstRunDelayMs));
      this.scheduler.addInterval(job.name, setInterval(tick, job.everyMs));
    }
  }

  /** Stops the timers and waits for rounds under way. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const name of this.scheduler.getTimeouts()) this.scheduler.deleteTimeout(name);
    for (const name of this.scheduler.getIntervals()) this.scheduler.deleteInterval(name);
    await Promise.allSettled([...this.running]);
  }

  /**
   * One round of the named job, if no instance is running it: answers false when another
   * holds it. Never throws: a failure is logged.
   */
  async runExclusive(job: Job | string): Promise<boolean> {
    const found = typeof job === 'string' ? this.jobs.find((j) => j.name === job) : job;
    if (!found) throw new Error(`no job named ${String(job)}`);
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const key = [JOB_LOCK_SPACE, found.name];
      const [{ locked }] = (await runner.query(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        key,
      )) as {
        locked: boolean;
      }[];
      if (!locked) {
        this.logger.debug({ job: found.name }, 'job skipped: another instance is running it');
        return false;
      }
      try {
        const outcome = await found.run();
        if (found.quiet) this.logger.debug({ job: found.name, ...outcome }, 'job done');
        else this.logger.log({ job: found.name, ...outcome }, 'job done');
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1, hashtext($2))', key);
      }
      return true;
    } catch (error) {
      this.logger.error(
        { job: found.name, err: (error as Error).message },
        'job failed; it runs again on its interval',
      );
      return true;
    } finally {
      // A connection lost in an outage is gone already: nothing to give back, nothing to throw.
      await runner.release().catch(() => undefined);
    }
  }

  private async track(round: Promise<unknown>): Promise<void> {
    this.running.add(round);
    try {
      await round;
    } finally {
      this.running.delete(round);
    }
  }
}
