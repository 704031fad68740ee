// Helpers shared by the Node test suites (tests/sdk, examples/*): start the real basalt binary,
// the SMTP sink and the OpenID Connect provider as child processes, and assert on SDK errors.
// Depends on nothing but Node, so it resolves from any package (each suite brings its own SDK).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (this file sits in tests/support). */
export const REPO_ROOT = path.resolve(HERE, '../..');

/** The server binary: $BASALT_BIN, else build/release/basalt of this checkout. */
export const BIN = process.env.BASALT_BIN || path.join(REPO_ROOT, 'build/release/basalt');

// The project's checkout sits beside shared/ (CI and developer machines alike).
export const FIXTURE = process.env.BASALT_FIXTURE_DIR || path.resolve(REPO_ROOT, '../shared/pocketbase-fixture');

export const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;

export function requireBinary() {
    assert.ok(fs.existsSync(BIN), `server binary not found at '${BIN}' (pass it to run.sh or set BASALT_BIN)`);
}

export function makeTempDir(prefix = 'basalt-sdk-') {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Copies the read-only fixture (minus lost+found) and makes the copy writable. */
export function copyFixture(dest) {
    assert.ok(fs.existsSync(path.join(FIXTURE, 'data.db')), `fixture not found at '${FIXTURE}'`);
    for (const entry of fs.readdirSync(FIXTURE)) {
        if (entry === 'lost+found') continue;
        fs.cpSync(path.join(FIXTURE, entry), path.join(dest, entry), { recursive: true });
    }
    const makeWritable = (p) => {
        const st = fs.statSync(p);
        fs.chmodSync(p, st.mode | 0o600 | (st.isDirectory() ? 0o100 : 0));
        if (st.isDirectory()) for (const e of fs.readdirSync(p)) makeWritable(path.join(p, e));
    };
    makeWritable(dest);
}

/** Runs an offline CLI command (e.g. `superuser upsert`) and asserts it succeeded. */
export function runCli(args) {
    requireBinary();
    const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `basalt ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
    return r;
}

/**
 * Starts `basalt serve --dir DIR --http 127.0.0.1:0` and resolves once it prints
 * "Server started at http://127.0.0.1:<port>". stop() sends SIGTERM (SIGKILL after 5 s) to this
 * child only and removes the data dir.
 */
export async function startServer(dir, env = {}) {
    requireBinary();
    const child = spawn(BIN, ['serve', '--dir', dir, '--http', '127.0.0.1:0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...env },
    });
    let output = '';
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const url = await new Promise((resolve, reject) => {
        const fail = (err) => {
            child.kill('SIGKILL'); // our own child only; no-op if it already exited
            reject(err);
        };
        const timer = setTimeout(() => fail(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
        const onData = (chunk) => {
            output += chunk;
            const m = output.match(/Server started at (http:\/\/127\.0\.0\.1:\d+)\s/);
            if (m) {
                clearTimeout(timer);
                resolve(m[1]);
            }
        };
        child.stdout.setEncoding('utf8').on('data', onData);
        child.stderr.setEncoding('utf8').on('data', (c) => { output += c; });
        child.once('error', (err) => { clearTimeout(timer); fail(err); });
        exited.then(({ code, signal }) => {
            clearTimeout(timer);
            reject(new Error(`server exited early (code ${code}, signal ${signal}):\n${output}`));
        });
    });
    return {
        url,
        dir,
        output: () => output,
        async stop() {
            if (child.exitCode === null && child.signalCode === null) {
                child.kill('SIGTERM');
                const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
                const res = await exited;
                clearTimeout(timer);
                fs.rmSync(dir, { recursive: true, force: true });
                return res;
            }
            fs.rmSync(dir, { recursive: true, force: true });
            return exited;
        },
    };
}

/** A fresh data dir with one superuser, served on a free port (stop() removes the dir). */
export async function startFreshServer(email, password, env = {}) {
    const dir = makeTempDir('basalt-example-');
    try {
        runCli(['superuser', 'upsert', email, password, '--dir', dir]);
        return await startServer(dir, env);
    } catch (err) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
}

/** True for the SDK's ClientResponseError (checked by shape: this module does not load the SDK). */
function isClientResponseError(err) {
    return typeof err?.name === 'string' && err.name.startsWith('ClientResponseError') && typeof err.status === 'number';
}

/** Asserts that `promise` rejects with a 400 whose data[field].code === code (or matches a RegExp). */
export async function expectValidation(promise, field, code) {
    await assert.rejects(promise, (err) => {
        assert.ok(isClientResponseError(err), `not a ClientResponseError: ${err}`);
        assert.equal(err.status, 400, JSON.stringify(err.response));
        const got = err.response?.data?.[field]?.code;
        if (code instanceof RegExp) assert.match(got ?? '', code, JSON.stringify(err.response));
        else assert.equal(got, code, JSON.stringify(err.response));
        return true;
    });
}

/** Asserts that `promise` rejects with an SDK error of HTTP status `status`. */
export async function expectStatus(promise, status) {
    await assert.rejects(promise, (err) => {
        assert.ok(isClientResponseError(err), `not a ClientResponseError: ${err}`);
        assert.equal(err.status, status, JSON.stringify(err.response));
        return true;
    });
}

/** Polls `cond` every 20 ms until it holds (or fails after `ms`). */
export async function waitFor(cond, what, ms = 5_000) {
    const deadline = Date.now() + ms;
    while (!(await cond())) {
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

/** Spawns `cmd args`, resolves with the first match of `pattern` in its stdout; stop() = SIGTERM. */
async function startChild(what, cmd, args, pattern) {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const match = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`${what} did not start:\n${output}`));
        }, START_TIMEOUT_MS);
        child.stdout.setEncoding('utf8').on('data', (c) => {
            output += c;
            const m = output.match(pattern);
            if (m) { clearTimeout(timer); resolve(m); }
        });
        child.stderr.setEncoding('utf8').on('data', (c) => { output += c; });
        child.once('exit', () => { clearTimeout(timer); reject(new Error(`${what} exited:\n${output}`)); });
    });
    return { child, match, output: () => output };
}

/**
 * Starts tests/support/smtp_sink.py (a real SMTP server, Debian's aiosmtpd) on a free port;
 * messages() returns the delivered mails, decoded, in arrival order.
 */
export async function startSmtpSink() {
    const dir = makeTempDir('basalt-mail-');
    const { child, match } = await startChild('SMTP sink', '/usr/bin/python3',
        ['-u', path.join(HERE, 'smtp_sink.py'), '--port', '0', '--dir', dir], /listening on 127\.0\.0\.1:(\d+)/);
    const messages = () => readMailbox(dir);
    return {
        port: Number(match[1]),
        dir,
        messages,
        /** Waits for the n-th mail (1-based). */
        async mail(n) {
            for (let i = 0; i < 1000 && messages().length < n; i++) await new Promise((r) => setTimeout(r, 20));
            const all = messages();
            assert.ok(all.length >= n, `expected ${n} mails, got ${all.length}`);
            return all[n - 1];
        },
        stop() { child.kill('SIGTERM'); fs.rmSync(dir, { recursive: true, force: true }); },
    };
}

/** The mails an smtp_sink.py wrote to `dir`, decoded, in arrival order. */
export function readMailbox(dir) {
    return fs.readdirSync(dir).filter((f) => f.endsWith('.eml'))
        .map((f) => Number(f.slice(0, -4))).sort((a, b) => a - b)
        .map((n) => JSON.parse(fs.readFileSync(path.join(dir, `${n}.json`), 'utf8')));
}

/** The first JWT in a mail's HTML (the token of a verification/reset/email-change link). */
export const tokenIn = (mail) => mail.html.match(/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/)?.[1];

/**
 * Starts tests/support/oidc_server.mjs (a real OpenID Connect provider, npm oidc-provider) on a
 * free loopback port with one client allowed to redirect to `redirectUri`.
 */
export async function startOidcProvider({ clientId, clientSecret, redirectUri, authMethod = 'client_secret_post' }) {
    const { child, match, output } = await startChild('OIDC provider', process.execPath,
        [path.join(HERE, 'oidc_server.mjs'), '--client-id', clientId, '--client-secret', clientSecret,
            '--redirect-uri', redirectUri, '--auth-method', authMethod],
        /OIDC provider listening on (http:\/\/127\.0\.0\.1:\d+)/);
    return { issuer: match[1], output, stop() { child.kill('SIGTERM'); } };
}

/**
 * Drives the authorization-code flow like a browser would, without one: follows the provider's
 * redirects (keeping its cookies) through the auto-approving login/consent until it redirects
 * to `redirectUri`; returns that redirect's full URL (with code, state, ...).
 */
export async function providerRedirect(authURL, redirectUri) {
    let url = authURL;
    const jar = new Map();
    for (let hop = 0; hop < 15; hop++) {
        const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
        const r = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
        for (const c of r.headers.getSetCookie()) {
            const kv = c.split(';')[0];
            jar.set(kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1));
        }
        const location = r.headers.get('location');
        assert.ok(location, `no redirect from ${url}: ${r.status} ${await r.text()}`);
        url = new URL(location, url).toString();
        if (url.startsWith(redirectUri)) return url;
    }
    assert.fail('too many redirects');
}

/** providerRedirect, returning the redirect's query (code, state, ...). */
export async function authorize(authURL, redirectUri) {
    return Object.fromEntries(new URL(await providerRedirect(authURL, redirectUri)).searchParams);
}
