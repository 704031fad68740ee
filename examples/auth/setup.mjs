// The auth example, all in one foreground process (`make example NAME=auth`, Ctrl-C stops it):
// starts a local SMTP server that files every mail into MAILBOX, a local OpenID Connect provider
// and the profile service, then loads the example into Basalt (users collection with OTP, MFA,
// OAuth2 and its rules; SMTP settings pointing at the local server; seed users). See README.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupExample } from '../lib/loader.mjs';
import {
    BASALT_URL, MAILBOX, OAUTH2_REDIRECT_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_ISSUER, OIDC_PORT,
    SERVICE_URL, SERVICE_PORT, SMTP_PORT,
} from './config.mjs';
import { startProfileService } from './profile_service.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SUPPORT = path.resolve(HERE, '../../tests/support');

const children = [];
function stopAll() {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopAll(); process.exit(0); });
process.on('exit', stopAll);

/** Spawns a helper and waits for the line that says it is listening. */
function startHelper(what, cmd, args, ready) {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    return new Promise((resolve, reject) => {
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (c) => {
            out += c;
            if (ready.test(out)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${out}`)));
    });
}

fs.mkdirSync(MAILBOX, { recursive: true });
await Promise.all([
    startHelper('SMTP server', '/usr/bin/python3', ['-u', path.join(SUPPORT, 'smtp_sink.py'), '--port', String(SMTP_PORT),
        '--dir', MAILBOX], /listening/),
    startHelper('OIDC provider', process.execPath, [path.join(SUPPORT, 'oidc_server.mjs'), '--port', String(OIDC_PORT),
        '--client-id', OIDC_CLIENT_ID, '--client-secret', OIDC_CLIENT_SECRET, '--redirect-uri', OAUTH2_REDIRECT_URL],
    /listening/),
    startProfileService(SERVICE_PORT),
]);

await setupExample(HERE, {
    settings: {
        meta: { appName: 'Basalt Auth Example', senderName: 'Basalt', senderAddress: 'no-reply@example.com' },
        smtp: { enabled: true, host: '127.0.0.1', port: SMTP_PORT, tls: false },
    },
    // schema.json names the provider at its default address.
    transform: (json) => json.replaceAll('http://127.0.0.1:8092', OIDC_ISSUER),
});
console.log(`auth example ready at ${BASALT_URL}
  mail server:             smtp://127.0.0.1:${SMTP_PORT}, mails filed in ${MAILBOX}
  OpenID Connect provider: ${OIDC_ISSUER}
  profile service:         ${SERVICE_URL}/notes
Sign in as erin@example.com / erin-password-1. Ctrl-C stops the helpers.`);
