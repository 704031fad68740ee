// End-to-end tests of the basalt binary driven by the official PocketBase JS SDK (0.28.0).
// Run: tests/sdk/run.sh <path-to-basalt>  (or BASALT_BIN=... node --test sdk.test.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import PocketBase, { ClientResponseError } from 'pocketbase';
import { EventSource } from 'eventsource';
import {
    FIXTURE, authorize, copyFixture, expectStatus, expectValidation, makeTempDir, providerRedirect, requireBinary, runCli,
    startOidcProvider,
    startServer, startSmtpSink, tokenIn, waitFor,
} from '../support/testkit.mjs';

// Node 20 has no global EventSource; the SDK's realtime service needs one.
globalThis.EventSource = EventSource;

function client(url) {
    const pb = new PocketBase(url);
    pb.autoCancellation(false);
    return pb;
}

describe('empty data dir', () => {
    const EMAIL = 'admin@example.com';
    const PASSWORD = 'admin-pass-123';
    let server;
    let pb;
    let authors;
    let items;
    let author;

    before(async () => {
        requireBinary();
        const dir = makeTempDir();
        try {
            runCli(['superuser', 'upsert', EMAIL, PASSWORD, '--dir', dir]);
            server = await startServer(dir);
        } catch (err) {
            fs.rmSync(dir, { recursive: true, force: true });
            throw err;
        }
        pb = client(server.url);
    });

    after(async () => {
        if (server) {
            const res = await server.stop();
            assert.equal(res.code, 0, `SIGTERM should exit 0:\n${server.output()}`);
        }
    });

    it('health check', async () => {
        const h = await pb.health.check();
        assert.equal(h.code, 200);
        assert.equal(h.message, 'API is healthy.');
    });

    it('superuser authWithPassword', async () => {
        await expectStatus(pb.collection('_superusers').authWithPassword(EMAIL, 'wrong-pass-1'), 400);
        const auth = await pb.collection('_superusers').authWithPassword(EMAIL, PASSWORD);
        assert.ok(auth.token);
        assert.equal(auth.record.email, EMAIL);
        assert.equal(auth.record.password, undefined);
        assert.equal(auth.record.tokenKey, undefined);
        assert.ok(pb.authStore.isValid);
        assert.ok(pb.authStore.isSuperuser);
    });

    it('creates a collection with every field type', async () => {
        authors = await pb.collections.create({
            name: 'authors',
            type: 'base',
            listRule: '',
            viewRule: '',
            fields: [{ name: 'name', type: 'text', required: true }],
        });
        assert.equal(authors.name, 'authors');
        assert.match(authors.id, /\S+/);

        items = await pb.collections.create({
            name: 'items',
            type: 'base',
            listRule: '',
            viewRule: '',
            createRule: null,
            fields: [
                { name: 'title', type: 'text', required: true, min: 3, max: 50, pattern: '^[A-Za-z0-9 ]+$' },
                { name: 'score', type: 'number', min: 0, max: 100 },
                { name: 'active', type: 'bool' },
                { name: 'contact', type: 'email' },
                { name: 'site', type: 'url' },
                { name: 'body', type: 'editor' },
                { name: 'when', type: 'date' },
                { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
                { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
                { name: 'status', type: 'select', values: ['draft', 'published', 'archived'], maxSelect: 1 },
                { name: 'tags', type: 'select', values: ['a', 'b', 'c', 'd'], maxSelect: 4 },
                { name: 'attachment', type: 'file', maxSelect: 1, maxSize: 1024 * 1024 },
                { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 },
                { name: 'meta', type: 'json' },
                { name: 'location', type: 'geoPoint' },
            ],
            indexes: ['CREATE UNIQUE INDEX idx_items_title ON items (title)'],
        });
        const byName = Object.fromEntries(items.fields.map((f) => [f.name, f]));
        for (const [name, type] of Object.entries({
            id: 'text', title: 'text', score: 'number', active: 'bool', contact: 'email', site: 'url',
            body: 'editor', when: 'date', created: 'autodate', updated: 'autodate', status: 'select',
            tags: 'select', attachment: 'file', author: 'relation', meta: 'json', location: 'geoPoint',
        })) {
            assert.equal(byName[name]?.type, type, `field ${name}`);
        }
        assert.equal(byName.title.min, 3);
        assert.equal(byName.title.required, true);
        assert.equal(byName.tags.maxSelect, 4);
        assert.equal(byName.author.collectionId, authors.id);
        assert.equal(items.createRule, null);
        assert.equal(items.listRule, '');
        assert.equal(items.indexes.length, 1);

        const fetched = await pb.collections.getOne('items');
        assert.equal(fetched.id, items.id);
        const list = await pb.collections.getFullList();
        assert.ok(list.some((c) => c.name === '_superusers'));
        assert.ok(list.some((c) => c.name === 'items'));
    });

    it('creates records of every field type (JSON and multipart)', async () => {
        author = await pb.collection('authors').create({ name: 'Ursula' });
        assert.match(author.id, /^[a-z0-9]{15}$/);

        const rec = await pb.collection('items').create({
            title: 'First item',
            score: 42.5,
            active: true,
            contact: 'someone@example.com',
            site: 'https://example.com/x',
            body: '<p>Hello <b>world</b></p>',
            when: '2024-01-02 03:04:05.678Z',
            status: 'draft',
            tags: ['a', 'c'],
            author: author.id,
            meta: { nested: { list: [1, 2, 3] }, ok: true },
            location: { lon: 23.32, lat: 42.69 },
        });
        assert.equal(rec.title, 'First item');
        assert.equal(rec.score, 42.5);
        assert.equal(rec.active, true);
        assert.equal(rec.contact, 'someone@example.com');
        assert.equal(rec.site, 'https://example.com/x');
        assert.equal(rec.when, '2024-01-02 03:04:05.678Z');
        assert.equal(rec.status, 'draft');
        assert.deepEqual(rec.tags, ['a', 'c']);
        assert.equal(rec.author, author.id);
        assert.deepEqual(rec.meta, { nested: { list: [1, 2, 3] }, ok: true });
        assert.deepEqual(rec.location, { lon: 23.32, lat: 42.69 });
        assert.equal(rec.attachment, '');
        assert.match(rec.created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.equal(rec.collectionName, 'items');

        // Multipart with @jsonPayload parts (what the SDK sends when a body holds a Blob);
        // storing the uploaded file itself is the files issue's work.
        const form = new FormData();
        form.append('title', 'With form');
        form.append('@jsonPayload', JSON.stringify({ tags: ['b'], meta: { from: 'multipart' } }));
        const withForm = await pb.collection('items').create(form);
        assert.deepEqual(withForm.tags, ['b']);
        assert.deepEqual(withForm.meta, { from: 'multipart' });
        assert.equal(withForm.title, 'With form');

        // Zero values.
        const bare = await pb.collection('items').create({ title: 'Bare item' });
        assert.equal(bare.score, 0);
        assert.equal(bare.active, false);
        assert.equal(bare.status, '');
        assert.deepEqual(bare.tags, []);
        assert.equal(bare.meta, null);
        assert.deepEqual(bare.location, { lon: 0, lat: 0 });
        assert.equal(bare.when, '');
    });

    it('returns PocketBase validation codes', async () => {
        const c = pb.collection('items');
        await expectValidation(c.create({}), 'title', 'validation_required');
        await expectValidation(c.create({ title: 'ab' }), 'title', 'validation_min_text_constraint');
        await expectValidation(c.create({ title: 'x'.repeat(51) }), 'title', 'validation_max_text_constraint');
        await expectValidation(c.create({ title: 'bad!! title' }), 'title', 'validation_invalid_format');
        await expectValidation(c.create({ title: 'First item' }), 'title', 'validation_not_unique');
        await expectValidation(c.create({ title: 'Valid title', contact: 'not-an-email' }), 'contact', 'validation_is_email');
        await expectValidation(c.create({ title: 'Valid title', site: 'not a url' }), 'site', /^validation_(is|invalid)_url$/);
        await expectValidation(c.create({ title: 'Valid title', score: 101 }), 'score', 'validation_max_number_constraint');
        await expectValidation(c.create({ title: 'Valid title', score: -1 }), 'score', 'validation_min_number_constraint');
        await expectValidation(c.create({ title: 'Valid title', status: 'bogus' }), 'status', 'validation_invalid_value');
        await expectValidation(c.create({ title: 'Valid title', tags: ['a', 'zzz'] }), 'tags', 'validation_invalid_value');
        await expectValidation(c.create({ title: 'Valid title', author: 'missing00000000' }), 'author', 'validation_missing_rel_records');
        await expectValidation(c.create({ title: 'Valid title', location: { lon: 0, lat: 100 } }), 'location', 'validation_invalid_latitude');

        // The message side of the envelope.
        await assert.rejects(c.create({}), (err) => {
            assert.equal(err.response.message, 'Failed to create record.');
            assert.equal(err.response.status, 400);
            assert.equal(err.response.data.title.message, 'Cannot be blank.');
            return true;
        });
        await assert.rejects(c.create({ title: 'ab' }), (err) => {
            assert.deepEqual(err.response.data.title.params, { min: 3 });
            return true;
        });
    });

    it('lists, pages and finds records', async () => {
        const c = pb.collection('items');
        for (let i = 0; i < 50; i++) {
            await c.create({ title: `Bulk ${String(i).padStart(2, '0')}`, score: i, tags: i % 2 ? ['a'] : ['b'] });
        }
        const total = 53; // 3 from the previous test + 50

        const page = await c.getList(1, 20, { sort: 'title' });
        assert.equal(page.page, 1);
        assert.equal(page.perPage, 20);
        assert.equal(page.totalItems, total);
        assert.equal(page.totalPages, Math.ceil(total / 20));
        assert.equal(page.items.length, 20);
        assert.equal(page.items[0].title, 'Bare item');

        const last = await c.getList(3, 20, { sort: 'title' });
        assert.equal(last.items.length, total - 40);

        const skip = await c.getList(1, 5, { skipTotal: true });
        assert.equal(skip.totalItems, -1);
        assert.equal(skip.totalPages, -1);

        const all = await c.getFullList({ batch: 20, sort: '-score' });
        assert.equal(all.length, total);
        assert.equal(all[0].score, 49);

        const filtered = await c.getList(1, 100, { filter: pb.filter('score >= {:min} && tags ?= {:tag} && title ~ {:prefix}', { min: 40, tag: 'a', prefix: 'Bulk' }) });
        assert.equal(filtered.totalItems, 5); // 41, 43, 45, 47, 49

        const first = await c.getFirstListItem(pb.filter('title = {:t}', { t: 'Bulk 07' }));
        assert.equal(first.score, 7);
        await expectStatus(c.getFirstListItem('title = "nope nope"'), 404);

        const one = await c.getOne(first.id);
        assert.equal(one.title, 'Bulk 07');
        await expectStatus(c.getOne('missing00000000'), 404);

        const expanded = await c.getFirstListItem('title = "First item"', { expand: 'author' });
        assert.equal(expanded.expand?.author?.name, 'Ursula');

        // Relation filters go through the related collection.
        const byAuthor = await c.getList(1, 10, { filter: 'author.name = "Ursula"' });
        assert.equal(byAuthor.totalItems, 1);
        assert.equal(byAuthor.items[0].title, 'First item');

        const picked = await c.getOne(first.id, { fields: 'id,title' });
        assert.deepEqual(Object.keys(picked).sort(), ['id', 'title']);
    });

    it('updates with modifiers and deletes', async () => {
        const c = pb.collection('items');
        const rec = await c.getFirstListItem('title = "First item"');
        const updated = await c.update(rec.id, { 'score+': 5, 'tags+': 'd', active: false });
        assert.equal(updated.score, 47.5);
        assert.deepEqual(updated.tags, ['a', 'c', 'd']);
        assert.equal(updated.active, false);
        assert.notEqual(updated.updated, rec.updated);
        assert.equal(updated.created, rec.created);

        const removed = await c.update(rec.id, { 'tags-': 'a', 'score-': 7.5 });
        assert.deepEqual(removed.tags, ['c', 'd']);
        assert.equal(removed.score, 40);

        await expectValidation(c.update(rec.id, { title: 'Bulk 01' }), 'title', 'validation_not_unique');

        assert.equal(await c.delete(rec.id), true);
        await expectStatus(c.getOne(rec.id), 404);
        await expectStatus(c.delete(rec.id), 404);
    });

    it('enforces rules for guests', async () => {
        const guest = client(server.url);
        const list = await guest.collection('items').getList(1, 1);
        assert.ok(list.totalItems > 0);
        await expectStatus(guest.collection('items').create({ title: 'Guest item' }), 403);
        await expectStatus(guest.collections.getFullList(), 401);
    });

    it('truncates and deletes collections', async () => {
        await pb.collections.truncate('items');
        const empty = await pb.collection('items').getList();
        assert.equal(empty.totalItems, 0);
        assert.equal(await pb.collections.delete('items'), true);
        await expectStatus(pb.collections.getOne('items'), 404);
        await expectStatus(pb.collection('items').getList(), 404);
    });

    // Row-level security through rules only: two users and a guest see exactly what the rules
    // allow, with PocketBase's outcomes (list filters, view/update/delete 404, create 400).
    it('rules: two users and a guest', async () => {
        const owner = 'owner = @request.auth.id';
        await pb.collections.create({
            name: 'notes', type: 'base',
            listRule: owner, viewRule: owner, updateRule: owner, deleteRule: owner,
            createRule: `@request.auth.id != "" && ${owner}`,
            fields: [
                { name: 'text', type: 'text', required: true },
                { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1, required: true },
            ],
        });
        const login = async (email) => {
            await client(server.url).collection('users').create({ email, password: 'user-pass-123', passwordConfirm: 'user-pass-123' });
            const c = client(server.url);
            await c.collection('users').authWithPassword(email, 'user-pass-123');
            return c;
        };
        const alice = await login('alice@example.com');
        const bob = await login('bob@example.com');
        const guest = client(server.url);
        const aliceId = alice.authStore.record.id;
        const bobId = bob.authStore.record.id;

        const a1 = await alice.collection('notes').create({ text: 'alice 1', owner: aliceId });
        await alice.collection('notes').create({ text: 'alice 2', owner: aliceId });
        const b1 = await bob.collection('notes').create({ text: 'bob 1', owner: bobId });
        // Creating a note for someone else fails the create rule: 400 with no field data.
        await assert.rejects(alice.collection('notes').create({ text: 'forged', owner: bobId }), (err) => {
            assert.equal(err.status, 400);
            assert.deepEqual(err.response.data, {});
            return true;
        });
        await expectStatus(guest.collection('notes').create({ text: 'anon', owner: aliceId }), 400);

        assert.deepEqual((await alice.collection('notes').getFullList({ sort: 'text' })).map((n) => n.text), ['alice 1', 'alice 2']);
        assert.deepEqual((await bob.collection('notes').getFullList()).map((n) => n.text), ['bob 1']);
        const guestList = await guest.collection('notes').getList();
        assert.equal(guestList.totalItems, 0);
        // A filter cannot widen what the rule allows.
        assert.equal((await bob.collection('notes').getList(1, 10, { filter: `owner = "${aliceId}"` })).totalItems, 0);

        await expectStatus(bob.collection('notes').getOne(a1.id), 404);
        await expectStatus(bob.collection('notes').update(a1.id, { text: 'hacked' }), 404);
        await expectStatus(bob.collection('notes').delete(a1.id), 404);
        await expectStatus(guest.collection('notes').getOne(b1.id), 404);
        assert.equal((await alice.collection('notes').getOne(a1.id)).text, 'alice 1');

        const updated = await bob.collection('notes').update(b1.id, { text: 'bob 1 edited' });
        assert.equal(updated.text, 'bob 1 edited');
        assert.equal(await alice.collection('notes').delete(a1.id), true);
        // The superuser sees everything.
        const all = await pb.collection('notes').getFullList({ sort: 'text' });
        assert.deepEqual(all.map((n) => n.text), ['alice 2', 'bob 1 edited']);
    });
});

describe('PocketBase fixture', () => {
    let server;

    before(async () => {
        requireBinary();
        const dir = makeTempDir();
        try {
            copyFixture(dir);
            server = await startServer(dir);
        } catch (err) {
            fs.rmSync(dir, { recursive: true, force: true });
            throw err;
        }
    });

    after(async () => {
        if (server) {
            const res = await server.stop();
            assert.equal(res.code, 0, `SIGTERM should exit 0:\n${server.output()}`);
        }
    });

    it('demo2 getList totals', async () => {
        const pb = client(server.url);
        const page = await pb.collection('demo2').getList();
        assert.equal(page.page, 1);
        assert.equal(page.perPage, 30);
        assert.equal(page.totalItems, 3);
        assert.equal(page.totalPages, 1);
        assert.deepEqual(page.items.map((r) => r.id).sort(), ['0yxhwia2amd8gec', 'achvryl401bhse3', 'llvuca81nly1qls']);
        const all = await pb.collection('demo2').getFullList({ sort: 'title' });
        assert.deepEqual(all.map((r) => r.title), ['test1', 'test2', 'test3']);
        const one = await pb.collection('demo2').getFirstListItem('title="test2"');
        assert.equal(one.id, 'achvryl401bhse3');
    });

    it('superuser login with the fixture password', async () => {
        const pb = client(server.url);
        await expectStatus(pb.collection('demo1').getList(), 403);
        await pb.collection('_superusers').authWithPassword('test@example.com', '1234567890');
        assert.ok(pb.authStore.isSuperuser);
        const demo1 = await pb.collection('demo1').getList();
        assert.equal(demo1.totalItems, 3);
        const cols = await pb.collections.getFullList();
        assert.equal(cols.length, 16);
    });

    it('clients login and rule-filtered list', async () => {
        const pb = client(server.url);
        const auth = await pb.collection('clients').authWithPassword('test@example.com', '1234567890');
        assert.equal(auth.record.id, 'gk390qegs4y47wn');
        const demo3 = await pb.collection('demo3').getList();
        assert.equal(demo3.totalItems, 4);
        await expectStatus(pb.collection('clients').authWithPassword('test2@example.com', '1234567890'), 403);
    });

    it('clients login (authRule verified=true) and refresh', async () => {
        const pb = client(server.url);
        const auth = await pb.collection('clients').authWithPassword('test@example.com', '1234567890');
        assert.equal(auth.record.id, 'gk390qegs4y47wn');
        assert.equal(auth.record.email, 'test@example.com');
        assert.equal(auth.record.password, undefined);
        assert.equal(auth.record.tokenKey, undefined);
        assert.ok(pb.authStore.isValid);
        const refreshed = await pb.collection('clients').authRefresh();
        assert.equal(refreshed.record.id, 'gk390qegs4y47wn');
        // The unverified client fails the collection's authRule.
        await assert.rejects(client(server.url).collection('clients').authWithPassword('test2@example.com', '1234567890'),
            (err) => err.status === 403);
    });

    it('batch: all or nothing', async () => {
        const pb = client(server.url);
        const ok = pb.createBatch();
        ok.collection('demo2').create({ title: 'sdk batch 1' });
        ok.collection('demo2').upsert({ id: 'achvryl401bhse3', title: 'test2 upserted' });
        const results = await ok.send();
        assert.equal(results.length, 2);
        assert.equal(results[0].status, 200);
        assert.equal(results[0].body.title, 'sdk batch 1');
        assert.equal(results[1].body.title, 'test2 upserted');

        const bad = pb.createBatch();
        bad.collection('demo2').create({ title: 'never stored' });
        bad.collection('demo2').create({ title: '' });
        await assert.rejects(bad.send(), (err) => {
            assert.equal(err.status, 400);
            assert.equal(err.response.data.requests['1'].code, 'batch_request_failed');
            return true;
        });
        const found = await pb.collection('demo2').getList(1, 10, { filter: 'title = "never stored"' });
        assert.equal(found.totalItems, 0);
    });

    it('files: FormData upload, getURL downloads, thumbs and downloads as attachment', async () => {
        const pb = client(server.url);
        await pb.collection('_superusers').authWithPassword('test@example.com', '1234567890');
        const png = fs.readFileSync(path.join(FIXTURE, 'storage/_pb_users_auth_/4q1xlclmfloku33/300_1SEi6Q6U72.png'));
        const form = new FormData();
        form.append('title', 'sdk files');
        form.append('files', new Blob(['hello from the sdk']), 'Hello SDK.txt');
        form.append('files', new Blob([png], { type: 'image/png' }), 'picture.png');
        const rec = await pb.collection('demo3').create(form);
        assert.equal(rec.files.length, 2);
        assert.match(rec.files[0], /^hello_sdk_[a-z0-9]{10}\.txt$/);
        assert.match(rec.files[1], /^picture_[a-z0-9]{10}\.png$/);

        const txt = await fetch(pb.files.getURL(rec, rec.files[0]));
        assert.equal(txt.status, 200);
        assert.equal(await txt.text(), 'hello from the sdk');
        const img = await fetch(pb.files.getURL(rec, rec.files[1]));
        assert.equal(img.headers.get('content-type'), 'image/png');
        assert.deepEqual(Buffer.from(await img.arrayBuffer()), png);

        const thumb = Buffer.from(await (await fetch(pb.files.getURL(rec, rec.files[1], { thumb: '100x100' }))).arrayBuffer());
        assert.equal(thumb.toString('latin1', 1, 4), 'PNG');
        assert.deepEqual([thumb.readUInt32BE(16), thumb.readUInt32BE(20)], [100, 100]);

        const dl = await fetch(pb.files.getURL(rec, rec.files[0], { download: true }));
        assert.equal(dl.headers.get('content-disposition'), `attachment; filename=${rec.files[0]}`);

        // plain objects with File values go out as multipart too; `files-` removes by name
        const updated = await pb.collection('demo3').update(rec.id, {
            'files+': new File(['third'], 'third.txt'),
            'files-': [rec.files[0]],
        });
        assert.equal(updated.files.length, 2);
        assert.equal(updated.files[0], rec.files[1]);
        assert.match(updated.files[1], /^third_[a-z0-9]{10}\.txt$/);
        assert.equal((await fetch(pb.files.getURL(rec, rec.files[0]))).status, 404);

        // a field's mimeTypes are checked on the content: text is not an avatar image
        await expectValidation(
            pb.collection('users').update('4q1xlclmfloku33', { avatar: new File(['not an image'], 'face.png') }),
            'avatar', 'validation_invalid_mime_type');
    });

    it('files: uploads inside a batch', async () => {
        const pb = client(server.url);
        await pb.collection('_superusers').authWithPassword('test@example.com', '1234567890');
        const batch = pb.createBatch();
        batch.collection('demo3').create({ title: 'batch file', files: [new File(['in a batch'], 'batch.txt')] });
        const [res] = await batch.send();
        assert.equal(res.status, 200);
        assert.equal(res.body.files.length, 1);
        const got = await fetch(pb.files.getURL(res.body, res.body.files[0]));
        assert.equal(await got.text(), 'in a batch');
    });

    it('files: a protected file needs a file token', async () => {
        const guest = client(server.url);
        const pb = client(server.url);
        await pb.collection('_superusers').authWithPassword('test@example.com', '1234567890');
        const rec = await pb.collection('demo1').getOne('al1h9ijdeojtsjy');
        assert.equal(rec.file_one, '300_Jsjq7RdBgA.png');
        assert.equal((await fetch(guest.files.getURL(rec, rec.file_one))).status, 404);
        await expectStatus(guest.files.getToken(), 401);
        const token = await pb.files.getToken();
        const res = await fetch(pb.files.getURL(rec, rec.file_one, { token }));
        assert.equal(res.status, 200);
        const expected = fs.readFileSync(path.join(FIXTURE, 'storage/wsmn24bux7wo113/al1h9ijdeojtsjy/300_Jsjq7RdBgA.png'));
        assert.deepEqual(Buffer.from(await res.arrayBuffer()), expected);
    });

    it('validation errors on the fixture', async () => {
        const pb = client(server.url);
        await expectValidation(pb.collection('demo2').create({}), 'title', 'validation_required');
        await expectValidation(pb.collection('demo2').create({ title: 'test1' }), 'title', 'validation_not_unique');
    });
});

describe('auth flows with mail', () => {
    let server;
    let sink;
    let su;
    let mails = 0;

    before(async () => {
        requireBinary();
        sink = await startSmtpSink();
        const dir = makeTempDir();
        copyFixture(dir);
        server = await startServer(dir);
        su = client(server.url);
        await su.collection('_superusers').authWithPassword('test@example.com', '1234567890');
        await su.settings.update({ smtp: { enabled: true, host: '127.0.0.1', port: sink.port } });
        // A collection without MFA for the sign-up → verify → login → reset story.
        await su.collections.create({
            name: 'members', type: 'auth', listRule: 'id = @request.auth.id', viewRule: 'id = @request.auth.id',
            createRule: '', updateRule: 'id = @request.auth.id', authRule: 'verified = true',
            fields: [{ name: 'name', type: 'text' }],
            otp: { enabled: true, duration: 300, length: 6 },
        });
    });

    after(async () => {
        if (server) await server.stop();
        if (sink) sink.stop();
    });

    it('sign up, verify by the mailed link, log in, refresh', async () => {
        const pb = client(server.url);
        const rec = await pb.collection('members').create({
            email: 'ann@example.com', password: 'ann-pass-123', passwordConfirm: 'ann-pass-123', name: 'Ann',
        });
        assert.equal(rec.verified, false);
        await expectStatus(pb.collection('members').authWithPassword('ann@example.com', 'ann-pass-123'), 403);
        assert.equal(await pb.collection('members').requestVerification('ann@example.com'), true);
        const mail = await sink.mail(++mails);
        assert.deepEqual(mail.rcpt_tos, ['ann@example.com']);
        assert.match(mail.subject, /^Verify your .* email$/);
        assert.equal(await pb.collection('members').confirmVerification(tokenIn(mail)), true);
        const auth = await pb.collection('members').authWithPassword('ann@example.com', 'ann-pass-123');
        assert.equal(auth.record.verified, true);
        assert.equal(pb.authStore.isValid, true);
        const refreshed = await pb.collection('members').authRefresh();
        assert.equal(refreshed.record.id, rec.id);
    });

    it('reset the password by mail: old tokens are rejected', async () => {
        const pb = client(server.url);
        await pb.collection('members').authWithPassword('ann@example.com', 'ann-pass-123');
        const oldToken = pb.authStore.token;
        assert.equal(await client(server.url).collection('members').requestPasswordReset('ann@example.com'), true);
        const mail = await sink.mail(++mails);
        assert.match(mail.subject, /^Reset your .* password$/);
        await client(server.url).collection('members').confirmPasswordReset(tokenIn(mail), 'ann-new-pass-1', 'ann-new-pass-1');
        await expectStatus(pb.collection('members').authRefresh(), 401);
        const fresh = client(server.url);
        await expectStatus(fresh.collection('members').authWithPassword('ann@example.com', 'ann-pass-123'), 400);
        const auth = await fresh.collection('members').authWithPassword('ann@example.com', 'ann-new-pass-1');
        assert.notEqual(auth.token, oldToken);
    });

    it('OTP login with the mailed code', async () => {
        const pb = client(server.url);
        const { otpId } = await pb.collection('members').requestOTP('ann@example.com');
        const mail = await sink.mail(++mails);
        const code = mail.html.match(/<strong>(\d{6})<\/strong>/)?.[1];
        assert.ok(code, mail.html);
        await expectStatus(pb.collection('members').authWithOTP(otpId, '000000'), 400);
        const auth = await pb.collection('members').authWithOTP(otpId, code);
        assert.equal(auth.record.email, 'ann@example.com');
        await expectStatus(client(server.url).collection('members').authWithOTP(otpId, code), 400);  // single use
    });

    it('MFA on the fixture users: password, then OTP with the mfaId', async () => {
        const pb = client(server.url);
        const mfaId = await pb.collection('users').authWithPassword('test@example.com', '1234567890')
            .then(() => assert.fail('MFA should answer 401'), (err) => {
                assert.equal(err.status, 401);
                return err.response.mfaId;
            });
        assert.equal(mfaId.length, 15);
        const { otpId } = await pb.collection('users').requestOTP('test@example.com');
        const mail = await sink.mail(++mails);
        const code = mail.html.match(/<strong>(\d{8})<\/strong>/)?.[1];
        const auth = await pb.collection('users').authWithOTP(otpId, code, { mfaId });
        assert.equal(auth.record.id, '4q1xlclmfloku33');
        assert.equal(pb.authStore.record.id, '4q1xlclmfloku33');
    });

    it('a superuser impersonates a user with a non-refreshable token', async () => {
        const imp = await su.collection('clients').impersonate('gk390qegs4y47wn', 3600);
        assert.equal(imp.authStore.record.id, 'gk390qegs4y47wn');
        const list = await imp.collection('clients').authRefresh();
        assert.equal(list.token, imp.authStore.token);
        await expectStatus(client(server.url).collection('clients').impersonate('gk390qegs4y47wn', 10), 401);
    });

    it('auth methods as the SDK asks for them', async () => {
        const m = await client(server.url).collection('users').listAuthMethods();
        assert.equal(m.password.enabled, true);
        assert.deepEqual(m.password.identityFields, ['email', 'username']);
        assert.deepEqual(m.mfa, { enabled: true, duration: 1800 });
        assert.deepEqual(m.otp, { enabled: true, duration: 300 });
    });
});

describe('realtime', () => {
    let server;

    before(async () => {
        requireBinary();
        const dir = makeTempDir();
        try {
            copyFixture(dir);
            server = await startServer(dir);
        } catch (err) {
            fs.rmSync(dir, { recursive: true, force: true });
            throw err;
        }
    });

    after(async () => {
        if (server) {
            const res = await server.stop();
            assert.equal(res.code, 0, `SIGTERM should exit 0:\n${server.output()}`);
        }
    });

    // Events arrive per subscriber in commit order, so a marker write each subscriber must see
    // proves that nothing else was (or will be) sent before it.
    it('subscribe to * and to one id, rule-hidden subscribers, unsubscribe', async () => {
        const admin = client(server.url);
        await admin.collection('_superusers').authWithPassword('test@example.com', '1234567890');
        const owner = 'owner = @request.auth.id';
        await admin.collections.create({
            name: 'rt_notes', type: 'base', listRule: owner, viewRule: owner,
            fields: [{ name: 'text', type: 'text' }, { name: 'owner', type: 'text' }],
        });
        const sub = client(server.url);
        await sub.collection('clients').authWithPassword('test@example.com', '1234567890');
        const me = sub.authStore.record.id;
        const guest = client(server.url);

        const all = [];
        const one = [];
        const hidden = [];
        const subMarkers = [];
        const guestMarkers = [];
        await sub.collection('rt_notes').subscribe('*', (e) => all.push(e));
        await sub.collection('demo2').subscribe('*', (e) => subMarkers.push(e.record.title));
        await guest.collection('rt_notes').subscribe('*', (e) => hidden.push(e));
        await guest.collection('demo2').subscribe('*', (e) => guestMarkers.push(e.record.title));

        const n1 = await admin.collection('rt_notes').create({ text: 'n1', owner: me });
        await waitFor(() => all.length === 1, 'the create event');
        await sub.collection('rt_notes').subscribe(n1.id, (e) => one.push(e), { fields: 'id,text' });

        await admin.collection('rt_notes').update(n1.id, { text: 'n1 upd' });
        await admin.collection('rt_notes').create({ text: 'not mine', owner: 'someone-else' });
        assert.equal(await admin.collection('rt_notes').delete(n1.id), true);
        await admin.collection('demo2').create({ title: 'marker 1' });
        await waitFor(() => subMarkers.length === 1 && guestMarkers.length === 1, 'marker 1');

        assert.deepEqual(all.map((e) => [e.action, e.record.text]), [['create', 'n1'], ['update', 'n1 upd'], ['delete', 'n1 upd']]);
        assert.deepEqual(one.map((e) => [e.action, Object.keys(e.record).sort().join(',')]),
            [['update', 'id,text'], ['delete', 'id,text']]);
        assert.equal(hidden.length, 0, 'the guest must not see rule-protected notes');

        // unsubscribe('*') stops the wildcard events; the other subscriptions stay.
        await sub.collection('rt_notes').unsubscribe('*');
        await admin.collection('rt_notes').create({ text: 'after unsubscribe', owner: me });
        await admin.collection('demo2').create({ title: 'marker 2' });
        await waitFor(() => subMarkers.length === 2, 'marker 2');
        assert.equal(all.length, 3);
        assert.deepEqual(subMarkers, ['marker 1', 'marker 2']);

        await sub.realtime.unsubscribe();
        await guest.realtime.unsubscribe();
        assert.equal(sub.realtime.isConnected, false);
    });

});

describe('realtime reconnect', () => {
    let server;

    before(async () => {
        requireBinary();
        const dir = makeTempDir();
        try {
            copyFixture(dir);
            // A 2 s idle timeout (PocketBase: 5 min) makes the server end the stream soon.
            server = await startServer(dir, { BASALT_REALTIME_IDLE_TIMEOUT: '2' });
        } catch (err) {
            fs.rmSync(dir, { recursive: true, force: true });
            throw err;
        }
    });

    after(async () => {
        if (server) {
            const res = await server.stop();
            assert.equal(res.code, 0, `SIGTERM should exit 0:\n${server.output()}`);
        }
    });

    // The server ends an idle stream; the SDK reconnects with a new client id, resubmits its
    // subscriptions, and events keep arriving.
    it('reconnects and resubscribes after the server ends the stream', async () => {
        const pb = client(server.url);
        const got = [];
        await pb.collection('demo2').subscribe('*', (e) => got.push(e.record.title));
        const firstId = pb.realtime.clientId;
        assert.ok(firstId);
        await waitFor(() => pb.realtime.clientId && pb.realtime.clientId !== firstId, 'a reconnect', 10_000);
        await waitFor(() => pb.realtime.isConnected, 'the new connection');
        const admin = client(server.url);
        await admin.collection('demo2').create({ title: 'after reconnect' });
        await waitFor(() => got.includes('after reconnect'), 'the event after the reconnect', 10_000);
        await pb.realtime.unsubscribe();
    });
});

describe('OAuth2 sign-in with a real OpenID Connect provider', () => {
    const CLIENT_ID = 'basalt-sdk';
    const CLIENT_SECRET = 'basalt-sdk-secret-value';
    const REDIRECT = 'http://127.0.0.1:9/oauth2-callback';
    let idp;
    let idpBasic; // a second issuer whose client must authenticate with HTTP Basic
    let server;
    let su;

    before(async () => {
        requireBinary();
        idp = await startOidcProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT });
        idpBasic = await startOidcProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT,
            authMethod: 'client_secret_basic' });
        const dir = makeTempDir();
        copyFixture(dir);
        server = await startServer(dir);
        su = client(server.url);
        await su.collection('_superusers').authWithPassword('test@example.com', '1234567890');
        // Sign-ups only through OAuth2: the createRule requires the oauth2 request context.
        await su.collections.create({
            name: 'people', type: 'auth', listRule: 'id = @request.auth.id', viewRule: 'id = @request.auth.id',
            createRule: '@request.context = "oauth2"',
            fields: [{ name: 'name', type: 'text' }, { name: 'handle', type: 'text', pattern: '^[a-z]+$' },
                { name: 'avatar', type: 'url' }, { name: 'plan', type: 'text' }],
            oauth2: {
                enabled: true,
                providers: [{
                    name: 'oidc', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, displayName: 'Test IdP',
                    authURL: `${idp.issuer}/auth`, tokenURL: `${idp.issuer}/token`, userInfoURL: `${idp.issuer}/me`,
                }, {
                    name: 'oidc2', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET,
                    authURL: `${idpBasic.issuer}/auth`, tokenURL: `${idpBasic.issuer}/token`,
                    userInfoURL: `${idpBasic.issuer}/me`,
                }, {
                    // No user info URL: the user comes from the id_token, verified with the issuer's keys.
                    name: 'oidc3', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET,
                    authURL: `${idp.issuer}/auth`, tokenURL: `${idp.issuer}/token`,
                    extra: { jwksURL: `${idp.issuer}/jwks`, issuers: [idp.issuer] },
                }],
                mappedFields: { name: 'name', username: 'handle', avatarURL: 'avatar' },
            },
        });
    });

    after(async () => {
        if (server) await server.stop();
        if (idp) idp.stop();
        if (idpBasic) idpBasic.stop();
    });

    /** auth-methods → the provider's consent flow → the code. */
    async function signInAt(pb, loginHint, name = 'oidc') {
        const methods = await pb.collection('people').listAuthMethods();
        assert.equal(methods.oauth2.enabled, true);
        const p = methods.oauth2.providers.find((x) => x.name === name);
        assert.ok(p, JSON.stringify(methods.oauth2));
        const hint = loginHint ? `&login_hint=${loginHint}` : '';
        const back = await authorize(p.authURL + encodeURIComponent(REDIRECT) + hint, REDIRECT);
        assert.equal(back.state, p.state);
        assert.ok(back.code, JSON.stringify(back));
        return { provider: p, code: back.code };
    }

    it('auth-methods lists the provider with its PKCE pair', async () => {
        const methods = await client(server.url).collection('people').listAuthMethods();
        assert.deepEqual(methods.oauth2.providers.map((x) => [x.name, x.displayName]),
            [['oidc', 'Test IdP'], ['oidc2', 'OIDC'], ['oidc3', 'OIDC']]);
        const [p] = methods.oauth2.providers;
        assert.equal(p.name, 'oidc');
        assert.equal(p.displayName, 'Test IdP');
        assert.equal(p.codeChallengeMethod, 'S256');
        assert.equal(p.codeVerifier.length, 43);
        assert.ok(p.authURL.startsWith(`${idp.issuer}/auth?client_id=${CLIENT_ID}&code_challenge=${p.codeChallenge}&`), p.authURL);
        assert.ok(p.authURL.endsWith(`&scope=openid+email+profile&state=${p.state}&redirect_uri=`), p.authURL);
    });

    it('first sign-in creates a verified record linked through _externalAuths', async () => {
        // The createRule admits OAuth2 only.
        await expectStatus(client(server.url).collection('people').create({
            email: 'x@example.com', password: 'x-pass-1234', passwordConfirm: 'x-pass-1234',
        }), 400);

        const pb = client(server.url);
        const { provider, code } = await signInAt(pb);
        const auth = await pb.collection('people').authWithOAuth2Code('oidc', code, provider.codeVerifier, REDIRECT,
            { plan: 'free', emailVisibility: true });
        assert.equal(auth.meta.isNew, true);
        assert.equal(auth.meta.id, 'alice-1');
        assert.equal(auth.meta.email, 'alice@example.com');
        assert.equal(auth.meta.name, 'Alice');
        assert.equal(auth.meta.username, 'alice');
        assert.equal(auth.meta.avatarURL, 'https://images.example.com/alice.png');
        assert.equal(auth.meta.avatarUrl, auth.meta.avatarURL);
        assert.equal(auth.meta.rawUser.sub, 'alice-1');
        assert.ok(auth.meta.accessToken.length > 10);
        assert.match(auth.meta.expiry, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.equal(auth.record.email, 'alice@example.com');
        assert.equal(auth.record.verified, true);
        assert.equal(auth.record.name, 'Alice');
        assert.equal(auth.record.handle, 'alice');
        assert.equal(auth.record.avatar, 'https://images.example.com/alice.png');
        assert.equal(auth.record.plan, 'free');
        assert.equal(pb.authStore.isValid, true);
        assert.equal(pb.authStore.record.id, auth.record.id);
        // The token works.
        const me = await pb.collection('people').getOne(auth.record.id);
        assert.equal(me.email, 'alice@example.com');

        const links = await su.collection('_externalAuths').getFullList({ filter: `recordRef = "${auth.record.id}"` });
        assert.equal(links.length, 1);
        assert.equal(links[0].provider, 'oidc');
        assert.equal(links[0].providerId, 'alice-1');
        assert.deepEqual((await pb.collection('people').listExternalAuths(auth.record.id)).map((l) => l.provider), ['oidc']);
    });

    it('signing in again finds the same record', async () => {
        const before = await su.collection('people').getFullList();
        const pb = client(server.url);
        const { provider, code } = await signInAt(pb);
        const auth = await pb.collection('people').authWithOAuth2Code('oidc', code, provider.codeVerifier, REDIRECT);
        assert.equal(auth.meta.isNew, false);
        const alice = before.find((r) => r.email === 'alice@example.com');
        assert.equal(auth.record.id, alice.id);
        assert.equal((await su.collection('people').getFullList()).length, before.length);
        assert.equal((await su.collection('_externalAuths').getFullList({ filter: `recordRef = "${alice.id}"` })).length, 1);
    });

    it('a second provider links to the same account by its verified email (client_secret_basic)', async () => {
        const alice = await su.collection('people').getFirstListItem('email = "alice@example.com"');
        const pb = client(server.url);
        const { provider, code } = await signInAt(pb, 'alice-1', 'oidc2');
        const auth = await pb.collection('people').authWithOAuth2Code('oidc2', code, provider.codeVerifier, REDIRECT);
        assert.equal(auth.meta.isNew, false);
        assert.equal(auth.record.id, alice.id);
        const links = await su.collection('_externalAuths').getFullList({ filter: `recordRef = "${alice.id}"`, sort: 'provider' });
        assert.deepEqual(links.map((l) => [l.provider, l.providerId]), [['oidc', 'alice-1'], ['oidc2', 'alice-1']]);
    });

    it('without a user info URL the id_token is the user (signature and issuer checked)', async () => {
        const pb = client(server.url);
        const { provider, code } = await signInAt(pb, 'carol-3', 'oidc3');
        const auth = await pb.collection('people').authWithOAuth2Code('oidc3', code, provider.codeVerifier, REDIRECT,
            { email: 'carol.id@example.com' });
        assert.equal(auth.meta.isNew, true);
        assert.equal(auth.meta.id, 'carol-3');
        assert.equal(auth.meta.rawUser.iss, idp.issuer);
        assert.equal(auth.meta.rawUser.aud, CLIENT_ID);
        assert.equal(auth.record.email, 'carol.id@example.com');

        // The same tokens from an issuer the collection does not trust are refused.
        await su.collections.create({
            name: 'strict', type: 'auth', createRule: '',
            oauth2: { enabled: true, providers: [{
                name: 'oidc3', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET,
                authURL: `${idp.issuer}/auth`, tokenURL: `${idp.issuer}/token`,
                extra: { jwksURL: `${idp.issuer}/jwks`, issuers: ['https://idp.example.com'] },
            }] },
        });
        const methods = await pb.collection('strict').listAuthMethods();
        const p = methods.oauth2.providers[0];
        const back = await authorize(p.authURL + encodeURIComponent(REDIRECT) + '&login_hint=carol-3', REDIRECT);
        await assert.rejects(pb.collection('strict').authWithOAuth2Code('oidc3', back.code, p.codeVerifier, REDIRECT,
            { email: 'carol.strict@example.com' }),
        (err) => err.status === 400 && err.response.message === 'Failed to fetch OAuth2 user.');
    });

    it('links an existing record with the same email and voids its old password', async () => {
        const carol = await su.collection('people').create({
            email: 'carol@example.com', password: 'carol-pass-1', passwordConfirm: 'carol-pass-1',
        });
        assert.equal(carol.verified, false);
        const pb = client(server.url);
        const { provider, code } = await signInAt(pb, 'carol-3');
        const auth = await pb.collection('people').authWithOAuth2Code('oidc', code, provider.codeVerifier, REDIRECT);
        assert.equal(auth.meta.isNew, false);
        assert.equal(auth.record.id, carol.id);
        assert.equal(auth.record.verified, true);
        // An unverified record's password may have been set by someone else: it no longer works.
        await expectStatus(client(server.url).collection('people').authWithPassword('carol@example.com', 'carol-pass-1'), 400);
    });

    it('an unverified provider email is not trusted', async () => {
        const pb = client(server.url);
        // The email is dropped, and auth records need one: the create fails like a normal create.
        const first = await signInAt(pb, 'bob-2');
        await expectValidation(pb.collection('people').authWithOAuth2Code('oidc', first.code, first.provider.codeVerifier,
            REDIRECT), 'email', 'validation_required');
        assert.equal((await su.collection('_externalAuths').getFullList({ filter: 'providerId = "bob-2"' })).length, 0);
        // With an email of their own in createData the account is created, but not verified.
        const second = await signInAt(pb, 'bob-2');
        const auth = await pb.collection('people').authWithOAuth2Code('oidc', second.code, second.provider.codeVerifier,
            REDIRECT, { email: 'bob@elsewhere.example' });
        assert.equal(auth.meta.isNew, true);
        assert.equal(auth.meta.email, '');
        assert.equal(auth.meta.rawUser.email, 'bob@example.com');
        assert.equal(auth.record.email, 'bob@elsewhere.example');
        assert.equal(auth.record.verified, false);
    });

    it('a wrong code or verifier is a 400', async () => {
        const pb = client(server.url);
        const { provider } = await signInAt(pb);
        await assert.rejects(pb.collection('people').authWithOAuth2Code('oidc', 'not-a-code', provider.codeVerifier, REDIRECT),
            (err) => err.status === 400 && err.response.message === 'Failed to fetch OAuth2 token.');
        const again = await signInAt(pb);
        await expectStatus(pb.collection('people').authWithOAuth2Code('oidc', again.code, 'x'.repeat(43), REDIRECT), 400);
        assert.equal(pb.authStore.isValid, false);
    });

    it('an unknown or unconfigured provider is validation_invalid_provider', async () => {
        const pb = client(server.url);
        await expectValidation(pb.collection('people').authWithOAuth2Code('nope', 'c', 'v', REDIRECT),
            'provider', 'validation_invalid_provider');
        await expectValidation(pb.collection('people').authWithOAuth2Code('google', 'c', 'v', REDIRECT),
            'provider', 'validation_invalid_provider');
        await expectValidation(pb.collection('people').authWithOAuth2Code('oidc', '', 'v', REDIRECT), 'code', 'validation_required');
    });

    it('OAuth2 as the second factor of an MFA sign-in', async () => {
        await su.collections.create({
            name: 'staff', type: 'auth', mfa: { enabled: true, duration: 600 },
            oauth2: { enabled: true, providers: [{
                name: 'oidc', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET,
                authURL: `${idp.issuer}/auth`, tokenURL: `${idp.issuer}/token`, userInfoURL: `${idp.issuer}/me`,
            }] },
        });
        const staff = await su.collection('staff').create({
            email: 'test@example.com', password: 'staff-pass-1', passwordConfirm: 'staff-pass-1', verified: true,
        });
        const pb = client(server.url);
        let mfaId;
        await assert.rejects(pb.collection('staff').authWithPassword('test@example.com', 'staff-pass-1'), (err) => {
            assert.equal(err.status, 401, JSON.stringify(err.response));
            mfaId = err.response.mfaId;
            return typeof mfaId === 'string' && mfaId.length === 15;
        });
        const methods = await pb.collection('staff').listAuthMethods();
        const p = methods.oauth2.providers.find((x) => x.name === 'oidc');
        const back = await authorize(p.authURL + encodeURIComponent(REDIRECT) + '&login_hint=test-4', REDIRECT);
        const auth = await pb.collection('staff').authWithOAuth2Code('oidc', back.code, p.codeVerifier, REDIRECT, {}, { mfaId });
        assert.equal(auth.record.id, staff.id);
        assert.equal(auth.meta.isNew, false);
        assert.equal(auth.meta.id, 'test-4');
        assert.equal(pb.authStore.isValid, true);

        // OAuth2 alone is only a first factor: it opens an MFA session of its own.
        const methods2 = await pb.collection('staff').listAuthMethods();
        const p2 = methods2.oauth2.providers.find((x) => x.name === 'oidc');
        const again = await authorize(p2.authURL + encodeURIComponent(REDIRECT) + '&login_hint=test-4', REDIRECT);
        await assert.rejects(client(server.url).collection('staff').authWithOAuth2Code('oidc', again.code, p2.codeVerifier,
            REDIRECT), (err) => err.status === 401 && err.response.mfaId?.length === 15);
    });

    it('a collection with OAuth2 disabled answers 403', async () => {
        const pb = client(server.url);
        await expectStatus(pb.collection('nologin').authWithOAuth2Code('gitlab', 'c', 'v', REDIRECT), 403);
        await su.collections.update('people', { oauth2: { enabled: false } });
        try {
            await expectStatus(pb.collection('people').authWithOAuth2Code('oidc', 'c', 'v', REDIRECT), 403);
            const methods = await pb.collection('people').listAuthMethods();
            assert.deepEqual(methods.oauth2, { providers: [], enabled: false });
        } finally {
            await su.collections.update('people', { oauth2: { enabled: true } });
        }
    });
});

// The SDK's popup flow, authWithOAuth2({ provider }) without a code: the SDK subscribes to
// `@oauth2` over realtime and hands the provider URL (redirect_uri = <server>/api/oauth2-redirect,
// state = its realtime client id) to `urlCallback`; here urlCallback plays the popup browser,
// walking the provider's login and consent and then loading our /api/oauth2-redirect, whose
// realtime message lets the SDK finish with authWithOAuth2Code.
describe('OAuth2 popup flow (authWithOAuth2 over realtime)', () => {
    const CLIENT_ID = 'basalt-popup';
    const CLIENT_SECRET = 'basalt-popup-secret-value';
    const SUCCESS = '../_/#/auth/oauth2-redirect-success';
    const FAILURE = '../_/#/auth/oauth2-redirect-failure';
    let idp;
    let server;
    let su;
    let redirectUri;

    before(async () => {
        requireBinary();
        const dir = makeTempDir();
        copyFixture(dir);
        // Basalt first: the provider must know its redirect URI, which carries Basalt's port.
        server = await startServer(dir);
        redirectUri = `${server.url}/api/oauth2-redirect`;
        idp = await startOidcProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri });
        su = client(server.url);
        await su.collection('_superusers').authWithPassword('test@example.com', '1234567890');
        await su.collections.create({
            name: 'members', type: 'auth', listRule: 'id = @request.auth.id', viewRule: 'id = @request.auth.id',
            createRule: '',
            fields: [{ name: 'name', type: 'text' },
                { name: 'avatar', type: 'file', maxSelect: 1, maxSize: 1024 * 1024,
                    mimeTypes: ['image/png', 'image/jpeg'] }],
            oauth2: {
                enabled: true,
                providers: [{
                    name: 'oidc', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, displayName: 'Popup IdP',
                    authURL: `${idp.issuer}/auth`, tokenURL: `${idp.issuer}/token`, userInfoURL: `${idp.issuer}/me`,
                }],
                mappedFields: { name: 'name', avatarURL: 'avatar' },
            },
        });
    });

    after(async () => {
        if (server) await server.stop();
        if (idp) idp.stop();
    });

    /**
     * authWithOAuth2({ provider: 'oidc', urlCallback }) with the browser played by fetch; `seen`
     * records the URL the SDK built and what our /api/oauth2-redirect answered. The SDK may
     * settle (on the realtime message) before the popup has read that answer: await seen.done.
     */
    function popupSignIn(pb, loginHint, seen = {}, { collection = 'members', providerQuery } = {}) {
        return pb.collection(collection).authWithOAuth2({
            provider: 'oidc',
            urlCallback: (url) => {
                seen.done = (async () => {
                    seen.url = url;
                    const u = new URL(url);
                    u.searchParams.set('login_hint', loginHint);
                    let back = await providerRedirect(u.toString(), redirectUri);
                    if (providerQuery) back = `${redirectUri}?${providerQuery(new URL(back).searchParams)}`;
                    seen.redirect = back;
                    const r = await fetch(back, { redirect: 'manual' });
                    seen.status = r.status;
                    seen.location = r.headers.get('location');
                    seen.body = await r.text();
                })();
                return seen.done;
            },
        });
    }

    it('auth-methods hands out an authURL ending in redirect_uri= for the SDK to complete', async () => {
        const methods = await client(server.url).collection('members').listAuthMethods();
        const p = methods.oauth2.providers.find((x) => x.name === 'oidc');
        assert.ok(p.authURL.endsWith(`&state=${p.state}&redirect_uri=`), p.authURL);
    });

    it('signs up through the popup, storing the provider avatar in the file field', async () => {
        const pb = client(server.url);
        const seen = {};
        const auth = await popupSignIn(pb, 'dave-5', seen);
        await seen.done;

        // The URL the SDK built: state = its realtime client id, our redirect endpoint.
        const built = new URL(seen.url);
        assert.equal(built.searchParams.get('redirect_uri'), redirectUri);
        assert.equal(built.searchParams.get('state').length, 40);
        assert.equal(new URL(seen.redirect).searchParams.get('state'), built.searchParams.get('state'));
        // What the popup saw: a redirect to the landing page, which reports success.
        assert.equal(seen.status, 307, seen.body);
        assert.equal(seen.location, SUCCESS);
        const landing = new URL(seen.location, seen.redirect);
        assert.equal(landing.toString(), `${server.url}/_/#/auth/oauth2-redirect-success`);
        const page = await fetch(landing);
        assert.equal(page.status, 200);
        assert.match(page.headers.get('content-type'), /^text\/html/);
        const html = await page.text();
        assert.ok(html.includes('Signed in — you can close this window') && html.includes('window.close()'), html);

        // The SDK finished the sign-in with the code it received over realtime.
        assert.ok(auth.token);
        assert.equal(auth.meta.isNew, true);
        assert.equal(auth.meta.id, 'dave-5');
        assert.equal(auth.meta.avatarURL, `${idp.issuer}/avatar.png`);
        assert.equal(auth.record.email, 'dave@example.com');
        assert.equal(auth.record.verified, true);
        assert.equal(auth.record.name, 'Dave');
        assert.equal(pb.authStore.isValid, true);
        assert.equal(pb.authStore.record.id, auth.record.id);

        // The record exists, linked through _externalAuths, with the avatar as a stored file.
        const rec = await su.collection('members').getOne(auth.record.id);
        assert.equal(rec.email, 'dave@example.com');
        assert.match(rec.avatar, /^avatar_[a-z0-9]{10}\.png$/);
        assert.equal(auth.record.avatar, rec.avatar);
        const links = await su.collection('_externalAuths').getFullList({ filter: `recordRef = "${rec.id}"` });
        assert.deepEqual(links.map((l) => [l.provider, l.providerId]), [['oidc', 'dave-5']]);
        const file = await fetch(pb.files.getURL(rec, rec.avatar));
        assert.equal(file.status, 200);
        assert.equal(file.headers.get('content-type'), 'image/png');
        const original = Buffer.from(await (await fetch(`${idp.issuer}/avatar.png`)).arrayBuffer());
        assert.deepEqual(Buffer.from(await file.arrayBuffer()), original);
        const thumb = await fetch(pb.files.getURL(rec, rec.avatar, { thumb: '10x10' }));
        assert.equal(thumb.status, 200);
    });

    it('a second popup sign-in links to the same record', async () => {
        const dave = await su.collection('members').getFirstListItem('email = "dave@example.com"');
        const pb = client(server.url);
        const seen = {};
        const auth = await popupSignIn(pb, 'dave-5', seen);
        await seen.done;
        assert.equal(seen.location, SUCCESS);
        assert.equal(auth.meta.isNew, false);
        assert.equal(auth.record.id, dave.id);
        // The avatar is only downloaded for new records.
        assert.equal(auth.record.avatar, dave.avatar);
        assert.equal((await su.collection('members').getFullList()).length, 1);
        assert.equal((await su.collection('_externalAuths').getFullList({ filter: `recordRef = "${dave.id}"` })).length, 1);
    });

    it('an avatar that cannot be stored is skipped, never failing the sign-in', async () => {
        // erin-6's picture is a 404; frank-7's is text, which the field's mimeTypes refuse.
        for (const [hint, email] of [['erin-6', 'erin@example.com'], ['frank-7', 'frank@example.com']]) {
            const auth = await popupSignIn(client(server.url), hint);
            assert.equal(auth.meta.isNew, true);
            assert.equal(auth.record.email, email);
            assert.equal(auth.record.avatar, '');
            assert.equal((await su.collection('members').getOne(auth.record.id)).avatar, '');
        }
    });

    it('a provider error reaches the SDK, which rejects; the popup lands on the failure page', async () => {
        const pb = client(server.url);
        const seen = {};
        const before = (await su.collection('members').getFullList()).length;
        await assert.rejects(popupSignIn(pb, 'alice-1', seen, {
            providerQuery: (q) => `error=access_denied&state=${q.get('state')}`,
        }), (err) => {
            assert.ok(err instanceof ClientResponseError, String(err));
            assert.match(err.originalError?.message ?? err.message, /access_denied/);
            return true;
        });
        await seen.done;
        assert.equal(seen.status, 307);
        assert.equal(seen.location, FAILURE);
        assert.equal(pb.authStore.isValid, false);
        assert.equal((await su.collection('members').getFullList()).length, before);
    });

    it('a wrong or unknown state gets the failure redirect and tells no one', async () => {
        const watcher = client(server.url);
        const got = [];
        await watcher.realtime.subscribe('@oauth2', (e) => got.push(e));
        const clientId = watcher.realtime.clientId;
        assert.equal(clientId.length, 40);
        const redirect = (q, init = {}) => fetch(`${server.url}/api/oauth2-redirect${q}`, { redirect: 'manual', ...init });
        for (const q of ['?code=abc&state=unknown-state', '?code=abc', `?code=abc&state=${clientId}x`,
            `?code=abc&state=${clientId.slice(1)}`]) {
            const r = await redirect(q);
            assert.equal(r.status, 307, q);
            assert.equal(r.headers.get('location'), FAILURE, q);
        }
        const post = await redirect('', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'code=abc&state=nobody' });
        assert.equal(post.status, 303);
        assert.equal(post.headers.get('location'), FAILURE);

        // The right state reaches the subscriber exactly once (form_post, as Apple sends it).
        const ok = await redirect('', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: `code=the-code&state=${clientId}` });
        assert.equal(ok.status, 303);
        assert.equal(ok.headers.get('location'), SUCCESS);
        await waitFor(() => got.length === 1, 'the @oauth2 message');
        assert.deepEqual(got, [{ state: clientId, code: 'the-code' }]);
        const again = await redirect(`?code=the-code&state=${clientId}`);
        assert.equal(again.headers.get('location'), FAILURE);
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(got.length, 1);
        await watcher.realtime.unsubscribe();
    });
});
