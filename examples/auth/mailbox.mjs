// Reads the mails Basalt sent, as delivered to the example's local SMTP server (one JSON file per
// mail in MAILBOX, written by tests/support/smtp_sink.py): what a user would find in their inbox.
import fs from 'node:fs';
import path from 'node:path';
import { MAILBOX } from './config.mjs';

function allMails() {
    if (!fs.existsSync(MAILBOX)) return [];
    return fs.readdirSync(MAILBOX).filter((f) => f.endsWith('.eml'))
        .map((f) => Number(f.slice(0, -4))).sort((a, b) => a - b)
        .map((n) => JSON.parse(fs.readFileSync(path.join(MAILBOX, `${n}.json`), 'utf8')));
}

const mailsTo = (email) => allMails().filter((m) => m.rcpt_tos.includes(email));

// Mails already in the box when this module loads are old news (e.g. from an earlier run).
const seen = new Map(); // recipient → how many of their mails were handed out (or old)
for (const m of allMails()) for (const to of m.rcpt_tos) seen.set(to, (seen.get(to) ?? 0) + 1);

/** Waits (up to 10 s) for the next mail to `email` not returned before, and returns it. */
export async function nextMail(email) {
    const count = seen.get(email) ?? 0;
    for (let i = 0; i < 500; i++) {
        const all = mailsTo(email);
        if (all.length > count) {
            seen.set(email, count + 1);
            return all[count];
        }
        await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no new mail to ${email} in ${MAILBOX}`);
}

/** The token at the end of the mail's action link (verification, password reset, email change). */
export function linkToken(mail) {
    const link = mail.html.match(/href="([^"]+)"/)?.[1] ?? '';
    return link.slice(link.lastIndexOf('/') + 1);
}

/** The one-time code of an OTP mail. */
export function otpCode(mail) {
    return mail.html.match(/<strong>(\d+)<\/strong>/)?.[1];
}
