import { createTransport } from 'nodemailer';
import { startSmtpServer, TestSmtpServer } from './support/smtp';

describe('test SMTP server', () => {
  let smtp: TestSmtpServer;
  beforeEach(async () => {
    smtp = await startSmtpServer();
  });
  afterEach(() => smtp.stop());

  const send = (subject: string) =>
    createTransport({ url: smtp.url, connectionTimeout: 2000, greetingTimeout: 2000 } as never).sendMail({
      from: 'Clinic <bookings@clinic.test>',
      to: 'patient@example.test',
      subject,
      text: 'Plain part',
      html: '<p>HTML part</p>',
    });

  it('receives and parses what nodemailer sends', async () => {
    await send('Hello');
    const [mail] = await smtp.waitFor(1);
    expect(mail.subject).toBe('Hello');
    expect(mail.text?.trim()).toBe('Plain part');
    expect(mail.html).toContain('<p>HTML part</p>');
  });

  it('refuses with a temporary failure, then accepts again', async () => {
    smtp.mode = 'refuse';
    await expect(send('Refused')).rejects.toMatchObject({ responseCode: 451 });
    smtp.mode = 'accept';
    await send('Accepted');
    expect((await smtp.waitFor(1)).map((m) => m.subject)).toEqual(['Accepted']);
  });

  it('goes down and comes back on the same port', async () => {
    const port = smtp.port;
    await smtp.stop();
    await expect(send('While down')).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNREFUSED|ESOCKET|ECONNECTION/),
    });
    await smtp.start();
    expect(smtp.port).toBe(port);
    await send('After');
    expect((await smtp.waitFor(1)).map((m) => m.subject)).toEqual(['After']);
  });
});
