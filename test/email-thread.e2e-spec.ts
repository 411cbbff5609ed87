import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { EmailThread } from '../src/notifications/email-thread';
import { emailToCompose, TEST_COMPOSER_SETTINGS } from './support/emails';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

const email = emailToCompose({ locale: 'nl', token: 'tok_NL-123' });

const job = (messageId = '<n-1@clinic.example>') => ({
  email,
  messageId,
  fileLabel: 'booking_confirmed-n-1',
});

/** The nice values of this process's threads (Linux). */
const niceValues = () =>
  readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });

describe('the email thread', () => {
  let smtp: TestSmtpServer;
  let dataDir: string;
  const threads: EmailThread[] = [];
  const thread = (smtpUrl?: string) => {
    const started = new EmailThread({ ...TEST_COMPOSER_SETTINGS, smtpUrl, dataDir });
    threads.push(started);
    return started;
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    dataDir = await mkdtemp(join(tmpdir(), 'email-thread-'));
  });
  afterAll(async () => {
    await Promise.all(threads.map((t) => t.close()));
    await smtp.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('composes and sends over SMTP, with the Message-ID it was given, at a lower priority than the app', async () => {
    const emails = thread(smtp.url);
    await emails.open();
    if (process.platform === 'linux') expect(niceValues()).toContain(10);
    expect(await emails.send(job())).toBeUndefined();
    const [mail] = await smtp.waitFor(1, (m) => m.messageId === '<n-1@clinic.example>');
    expect(mail.subject).toContain('B12-7KQ4M9');
    expect(mail.text).toContain('dinsdag 9 maart 2027 om 10:00');
    expect(mail.to).toMatchObject({ text: 'anna@example.nl' });
    expect(mail.attachments.map((a) => a.contentType)).toContain('application/ics');
  });

  it('without SMTP writes the message to the mail drop and answers its file', async () => {
    const file = await thread().send(job());
    expect(file).toMatch(new RegExp(`^${join(dataDir, 'mail')}/.*-booking_confirmed-n-1\\.eml$`));
    const message = await readFile(file!, 'utf8');
    expect(message).toContain('Message-ID: <n-1@clinic.example>');
    expect(message).toContain('B12-7KQ4M9');
  });

  it('hands a failed send back with what the mail server said', async () => {
    smtp.mode = 'refuse';
    try {
      await expect(thread(smtp.url).send(job('<n-2@clinic.example>'))).rejects.toMatchObject({
        responseCode: 451,
        message: expect.stringContaining('try again later'),
      });
    } finally {
      smtp.mode = 'accept';
    }
  });

  it('when the thread dies, fails the emails in flight and starts again with the next', async () => {
    const emails = thread(smtp.url);
    await emails.open();
    smtp.delayMs = 500;
    try {
      const inFlight = emails.send(job('<n-3@clinic.example>'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await (emails as unknown as { worker: Worker }).worker.terminate();
      await expect(inFlight).rejects.toThrow('the email thread exited');
    } finally {
      smtp.delayMs = 0;
    }
    await emails.send(job('<n-4@clinic.example>'));
    await smtp.waitFor(1, (m) => m.messageId === '<n-4@clinic.example>');
  });
});
