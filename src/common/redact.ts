/** An email address in free text (an SMTP reply, a driver's message): its local part, then its domain. */
const EMAIL = /[^\s<>()[\]"',;:=@]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})/g;

/**
 * Text for a log line or a stored error, with every email address reduced to its domain
 * (`anna@example.nl` → `…@example.nl`): what failed stays readable, whose address it was does not.
 */
export function scrubEmails(text: string): string {
  return text.replace(EMAIL, '…@$1');
}
