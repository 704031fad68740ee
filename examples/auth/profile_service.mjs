// A second backend that serves its own resource (GET /notes) only to users Basalt vouches for:
// it forwards the caller's token to Basalt's auth-refresh, which checks the signature, that the
// session was not revoked (password or email change rotates the user's tokenKey) and the
// collection's authRule (verified, not disabled). Basalt answers 200 → serve; anything else → 401.
//
//   node examples/auth/profile_service.mjs      (started for you by `make example NAME=auth`)
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import PocketBase from 'pocketbase';
import { BASALT_URL, SERVICE_PORT } from './config.mjs';

/** Resolves the user behind `authorization` (a Basalt token), or null when Basalt refuses it. */
async function userFor(authorization) {
    const token = (authorization ?? '').replace(/^Bearer\s+/i, '');
    if (!token) return null;
    const pb = new PocketBase(BASALT_URL);
    pb.autoCancellation(false);
    pb.authStore.save(token, null);
    try {
        const { record } = await pb.collection('users').authRefresh();
        return record;
    } catch {
        return null; // 401 (bad or revoked token) or 403 (authRule: unverified or disabled)
    }
}

function send(res, status, body) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
}

export function startProfileService(port = SERVICE_PORT) {
    const server = http.createServer(async (req, res) => {
        const url = new URL(req.url, 'http://localhost');
        if (req.method !== 'GET' || url.pathname !== '/notes') return send(res, 404, { message: 'Not found.' });
        const user = await userFor(req.headers.authorization);
        if (!user) return send(res, 401, { message: 'Sign in first.' });
        send(res, 200, { user: { id: user.id, name: user.name }, notes: [`Welcome back, ${user.name}.`] });
    });
    return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve(server));
    });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
    const server = await startProfileService();
    console.log(`profile service listening on http://127.0.0.1:${server.address().port}`);
}
