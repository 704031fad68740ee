// Where the auth example's helper services listen. The defaults are what `make example NAME=auth`
// uses; the example's test moves them to free ports through the same environment variables.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const BASALT_URL = process.env.BASALT_URL || 'http://127.0.0.1:8090';
/** The local SMTP server Basalt sends its mails to; each mail lands as a file in MAILBOX. */
export const SMTP_PORT = Number(process.env.AUTH_SMTP_PORT || 1025);
export const MAILBOX = process.env.AUTH_MAILBOX || path.join(HERE, 'mailbox');
/** The local OpenID Connect provider (tests/support/oidc_server.mjs) users can sign in with. */
export const OIDC_PORT = Number(process.env.AUTH_OIDC_PORT || 8092);
export const OIDC_ISSUER = `http://127.0.0.1:${OIDC_PORT}`;
export const OIDC_CLIENT_ID = 'basalt-auth-example';
export const OIDC_CLIENT_SECRET = 'basalt-auth-example-secret';
/** The second service, which trusts a Basalt token only after Basalt confirmed it. */
export const SERVICE_PORT = Number(process.env.AUTH_SERVICE_PORT || 8091);
export const SERVICE_URL = `http://127.0.0.1:${SERVICE_PORT}`;
/** Where the OIDC provider sends the browser back to (the frontend's page; here, the service). */
export const OAUTH2_REDIRECT_URL = `${SERVICE_URL}/oauth2-callback`;
