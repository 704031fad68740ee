// The auth example end to end through the official SDK: `make example NAME=auth` (mail server,
// OIDC provider, profile service, Basalt loaded), the README walkthrough, and the edges of
// sessions, revocation, MFA and user management.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectStatus, expectValidation, makeTempDir } from '../../tests/support/testkit.mjs';
import { adminClient, client, freePort, signIn, startForegroundExample } from '../lib/testing.mjs';
import { runWalkthrough } from '../lib/walkthrough.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ERIN = 'erin00000000001';

/** Starts the example on free ports; the environment the walkthrough and the tests share. */
async function startAuthExample() {
    const env = {
        AUTH_SMTP_PORT: String(await freePort()),
        AUTH_OIDC_PORT: String(await freePort()),
        AUTH_SERVICE_PORT: String(await freePort()),
        AUTH_MAILBOX: makeTempDir('basalt-auth-mailbox-'),
    };
    process.env = { ...process.env, ...env }; // for mailbox.mjs / config.mjs imported below
    const server = await startForegroundExample('auth', /auth example ready/, { env });
    return { server, env, serviceUrl: `http://127.0.0.1:${env.AUTH_SERVICE_PORT}` };
}

/** GET /notes on the profile service with `token`: [status, body]. */
async function notes(serviceUrl, token) {
    const r = await fetch(`${serviceUrl}/notes`, { headers: token ? { Authorization: token } : {} });
    return [r.status, await r.json()];
}

describe('auth: README walkthrough', () => {
    let ex;
    before(async () => { ex = await startAuthExample(); });
    after(async () => { if (ex) await ex.server.stop(); });

    it('runs as written', async () => {
        await runWalkthrough(HERE, { 'http://127.0.0.1:8090': ex.server.url, 'http://127.0.0.1:8091': ex.serviceUrl },
            { env: ex.env });
    });
});

describe('auth', () => {
    let ex;
    let url;
    let mail;

    before(async () => {
        ex = await startAuthExample();
        url = ex.server.url;
        mail = await import('./mailbox.mjs'); // reads AUTH_MAILBOX, set by startAuthExample
    });
    after(async () => { if (ex) await ex.server.stop(); });

    it('the profile service serves valid tokens only', async () => {
        const erin = await signIn(url, 'users', 'erin@example.com', 'erin-password-1');
        const [status, body] = await notes(ex.serviceUrl, erin.authStore.token);
        assert.equal(status, 200);
        assert.deepEqual(body.user, { id: ERIN, name: 'Erin Example' });
        assert.equal((await notes(ex.serviceUrl, `Bearer ${erin.authStore.token}`))[0], 200);
        for (const bad of [undefined, 'garbage', `${erin.authStore.token.slice(0, -2)}xx`,
            // a well-formed token signed with another key
            'eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImVyaW4wMDAwMDAwMDAwMSIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.ZT3F0Z3iM-xbGgSG3LEKiEzHrPHr8t8IuHLZGGNuxLo']) {
            const [s, b] = await notes(ex.serviceUrl, bad);
            assert.equal(s, 401, String(bad));
            assert.equal(b.notes, undefined);
        }
        // A superuser's token is not a users token: refused too.
        const su = await adminClient(url);
        assert.equal((await notes(ex.serviceUrl, su.authStore.token))[0], 401);
    });

    it('password reset and email change revoke every earlier session', async () => {
        const pb = client(url);
        await pb.collection('users').create({ email: 'ivan@example.com', password: 'ivan-password-1',
            passwordConfirm: 'ivan-password-1', name: 'Ivan' });
        await expectStatus(pb.collection('users').authWithPassword('ivan@example.com', 'ivan-password-1'), 403);
        await pb.collection('users').requestVerification('ivan@example.com');
        const v = await mail.nextMail('ivan@example.com');
        await expectValidation(pb.collection('users').confirmVerification('not-a-token'), 'token', /validation_invalid_token/);
        await pb.collection('users').confirmVerification(mail.linkToken(v));

        const first = await signIn(url, 'users', 'ivan@example.com', 'ivan-password-1');
        const second = await signIn(url, 'users', 'ivan@example.com', 'ivan-password-1'); // another device
        assert.equal((await notes(ex.serviceUrl, first.authStore.token))[0], 200);

        await client(url).collection('users').requestPasswordReset('ivan@example.com');
        const reset = await mail.nextMail('ivan@example.com');
        assert.match(reset.subject, /Reset your .* password/);
        await expectValidation(client(url).collection('users').confirmPasswordReset(mail.linkToken(reset), 'short-1', 'other-1'),
            'passwordConfirm', 'validation_values_mismatch');
        await client(url).collection('users').confirmPasswordReset(mail.linkToken(reset), 'ivan-password-2', 'ivan-password-2');
        for (const old of [first, second]) {
            assert.equal((await notes(ex.serviceUrl, old.authStore.token))[0], 401);
            await expectStatus(old.collection('users').authRefresh(), 401);
        }
        await expectStatus(client(url).collection('users').authWithPassword('ivan@example.com', 'ivan-password-1'), 400);

        const third = await signIn(url, 'users', 'ivan@example.com', 'ivan-password-2');
        await expectValidation(third.collection('users').requestEmailChange('erin@example.com'), 'newEmail',
            'validation_invalid_new_email');
        await third.collection('users').requestEmailChange('ivan.new@example.com');
        const change = await mail.nextMail('ivan.new@example.com');
        await expectValidation(client(url).collection('users').confirmEmailChange(mail.linkToken(change), 'wrong-password'),
            'password', 'validation_invalid_password');
        await client(url).collection('users').confirmEmailChange(mail.linkToken(change), 'ivan-password-2');
        assert.equal((await notes(ex.serviceUrl, third.authStore.token))[0], 401);
        const fourth = await signIn(url, 'users', 'ivan.new@example.com', 'ivan-password-2');
        assert.equal(fourth.authStore.record.email, 'ivan.new@example.com');
        assert.equal((await notes(ex.serviceUrl, fourth.authStore.token))[0], 200);
    });

    it('OTP codes are single-use and MFA needs a second, different method', async () => {
        const pb = client(url);
        const { otpId } = await pb.collection('users').requestOTP('heidi@example.com');
        const code = mail.otpCode(await mail.nextMail('heidi@example.com'));
        assert.match(code, /^\d{6}$/);
        await expectStatus(pb.collection('users').authWithOTP(otpId, code === '000000' ? '111111' : '000000'), 400);
        assert.equal((await pb.collection('users').authWithOTP(otpId, code)).record.email, 'heidi@example.com');
        await expectStatus(client(url).collection('users').authWithOTP(otpId, code), 400);

        const frank = client(url);
        const mfaId = await frank.collection('users').authWithPassword('frank@example.com', 'frank-password-1')
            .then(() => assert.fail('Frank has two-factor on: a password alone must not be enough'),
                (err) => { assert.equal(err.status, 401); return err.response.mfaId; });
        assert.equal(frank.authStore.isValid, false);
        await expectStatus(frank.collection('users').authWithPassword('frank@example.com', 'frank-password-1', { mfaId }), 400);
        const otp = await frank.collection('users').requestOTP('frank@example.com');
        const frankCode = mail.otpCode(await mail.nextMail('frank@example.com'));
        const auth = await frank.collection('users').authWithOTP(otp.otpId, frankCode, { mfaId });
        assert.equal(auth.record.id, 'frank0000000002');
        assert.equal((await notes(ex.serviceUrl, frank.authStore.token))[0], 200);
    });

    it('users edit only their own profile, cannot enable or verify themselves, and see only public emails', async () => {
        const grace = await signIn(url, 'users', 'grace@example.com', 'grace-password-1');
        await expectStatus(grace.collection('users').update(ERIN, { name: 'Hacked' }), 404);
        await expectStatus(grace.collection('users').delete(ERIN), 404);
        await expectStatus(grace.collection('users').update(grace.authStore.record.id, { disabled: false }), 404);
        await expectValidation(client(url).collection('users').create({ email: 'v@example.com', password: 'v-password-1',
            passwordConfirm: 'v-password-1', verified: true }), 'verified', 'validation_values_mismatch');
        assert.equal((await grace.collection('users').update(grace.authStore.record.id, { name: 'Grace P.' })).name, 'Grace P.');
        const erin = await grace.collection('users').getOne(ERIN);
        assert.equal(erin.email, undefined);
        assert.equal(erin.name, 'Erin Example');
        const heidi = await signIn(url, 'users', 'heidi@example.com', 'heidi-password-1');
        assert.equal((await heidi.collection('users').getOne(grace.authStore.record.id)).email, 'grace@example.com');
        // Searching by a hidden email finds nothing for non-superusers.
        assert.equal((await heidi.collection('users').getList(1, 10, { filter: 'email = "erin@example.com"' })).totalItems, 0);
        assert.equal((await client(url).collection('users').getList(1, 10)).totalItems, 0);
    });

    it('superusers list, search, disable and impersonate users', async () => {
        const su = await adminClient(url);
        const page = await su.collection('users').getList(1, 2, { sort: 'email', filter: 'disabled = false' });
        assert.equal(page.items.length, 2);
        assert.ok(page.totalItems >= 4);
        assert.ok(page.items.every((u) => typeof u.email === 'string'), 'superusers see every email');
        const found = await su.collection('users').getFullList({ filter: su.filter('email ~ {:q}', { q: 'heidi' }) });
        assert.deepEqual(found.map((u) => u.id), ['heidi0000000004']);

        const erin = await signIn(url, 'users', 'erin@example.com', 'erin-password-1');
        await su.collection('users').update(ERIN, { disabled: true });
        await expectStatus(client(url).collection('users').authWithPassword('erin@example.com', 'erin-password-1'), 403);
        await expectStatus(erin.collection('users').authRefresh(), 403);
        assert.equal((await notes(ex.serviceUrl, erin.authStore.token))[0], 401);
        const { otpId } = await client(url).collection('users').requestOTP('erin@example.com');
        const code = mail.otpCode(await mail.nextMail('erin@example.com'));
        await expectStatus(client(url).collection('users').authWithOTP(otpId, code), 403);

        const asErin = await su.collection('users').impersonate(ERIN, 300);
        assert.equal(asErin.authStore.record.id, ERIN);
        assert.equal((await asErin.collection('users').getOne(ERIN)).email, 'erin@example.com');
        await su.collection('users').update(ERIN, { disabled: false });
        // The impersonation token is an ordinary (non-refreshable) users token: the service accepts it.
        const [status, body] = await notes(ex.serviceUrl, asErin.authStore.token);
        assert.equal(status, 200);
        assert.equal(body.user.id, ERIN);
        await expectStatus(client(url).collection('users').impersonate(ERIN, 60), 401);
        await expectStatus(erin.collection('users').impersonate('heidi0000000004', 60), 403);
    });
});
