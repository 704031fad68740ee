// What the examples' tests share: a fresh Basalt per suite, loaded with one example exactly the
// way its README says (`make example NAME=...`), and SDK clients for it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import PocketBase from 'pocketbase';
import { EventSource } from 'eventsource';
import { BIN, REPO_ROOT, makeTempDir, requireBinary, startServer } from '../../tests/support/testkit.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './loader.mjs';

// Node 20 has no global EventSource; the SDK's realtime service needs one.
globalThis.EventSource = EventSource;

/** An SDK client without auto-cancellation (tests send requests concurrently). */
export function client(url) {
    const pb = new PocketBase(url);
    pb.autoCancellation(false);
    return pb;
}

/** A client signed in to `collection` as `email`. */
export async function signIn(url, collection, email, password) {
    const pb = client(url);
    await pb.collection(collection).authWithPassword(email, password);
    return pb;
}

export function adminClient(url) {
    return signIn(url, '_superusers', ADMIN_EMAIL, ADMIN_PASSWORD);
}

/** The environment for a nested `make` (not the jobserver of a `make test` that started us). */
function makeEnv(env) {
    const out = { ...process.env, ...env };
    for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKE_TERMOUT', 'MAKE_TERMERR']) delete out[k];
    return out;
}

/**
 * Runs `make example NAME=<name>` from the repository root against `server` (its address and
 * data dir), as a reader would after `make run`; `env` adds environment variables.
 */
export function makeExample(name, server, env = {}) {
    const r = spawnSync('make', ['-s', '--no-print-directory', '-C', REPO_ROOT, 'example', `NAME=${name}`,
        `HTTP=${new URL(server.url).host}`, `DATA_DIR=${server.dir}`, `BASALT=${BIN}`],
    { encoding: 'utf8', timeout: 120_000, env: makeEnv(env) });
    assert.equal(r.status, 0, `make example NAME=${name} failed:\n${r.stdout}${r.stderr}`);
    return r.stdout;
}

/** Starts basalt on `dir`; its stop() also asserts that SIGTERM ended it cleanly (exit 0). */
async function startCheckedServer(dir, env = {}) {
    const server = await startServer(dir, env);
    const stop = server.stop;
    server.stop = async () => {
        const res = await stop();
        assert.equal(res.code, 0, `basalt did not exit cleanly (${JSON.stringify(res)}):\n${server.output()}`);
        return res;
    };
    return server;
}

/** A fresh Basalt on a temp data dir and a free port, with example `name` loaded by `make example`. */
export async function startExample(name, { env = {}, serverEnv = {} } = {}) {
    requireBinary();
    const dir = makeTempDir(`basalt-${name}-`);
    let server;
    try {
        server = await startCheckedServer(dir, serverEnv);
        makeExample(name, server, env);
        return server;
    } catch (err) {
        if (server) await server.stop();
        else fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
}

/** A free TCP port on 127.0.0.1 (closed again at once; good enough for a test's helpers). */
export async function freePort() {
    const s = net.createServer();
    await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
    const { port } = s.address();
    await new Promise((resolve) => s.close(resolve));
    return port;
}

/**
 * Like startExample, for an example whose `make example` stays in the foreground (auth): runs it
 * in its own process group until it prints `ready`; stop() ends that group and the server.
 */
export async function startForegroundExample(name, ready, { env = {} } = {}) {
    requireBinary();
    const server = await startCheckedServer(makeTempDir(`basalt-${name}-`));
    const child = spawn('make', ['-s', '--no-print-directory', '-C', REPO_ROOT, 'example', `NAME=${name}`,
        `HTTP=${new URL(server.url).host}`, `DATA_DIR=${server.dir}`, `BASALT=${BIN}`],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: makeEnv(env) });
    let output = '';
    const stopGroup = () => {
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    };
    try {
        await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`make example NAME=${name} not ready:\n${output}`)), 60_000);
            const onData = (c) => {
                output += c;
                if (ready.test(output)) { clearTimeout(timer); resolve(); }
            };
            child.stdout.setEncoding('utf8').on('data', onData);
            child.stderr.setEncoding('utf8').on('data', (c) => { output += c; });
            child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`make example NAME=${name} exited (${code}):\n${output}`)); });
        });
    } catch (err) {
        stopGroup();
        await server.stop();
        throw err;
    }
    return {
        ...server,
        output: () => output,
        async stop() {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            stopGroup();
            await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
            await server.stop();
        },
    };
}
