// The blog example end to end through the official SDK: loaded by `make example NAME=blog` into a
// fresh Basalt, then read, searched, written and watched as its README promises.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectStatus, expectValidation, waitFor } from '../../tests/support/testkit.mjs';
import { adminClient, client, signIn, startExample } from '../lib/testing.mjs';
import { runWalkthrough } from '../lib/walkthrough.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ANN = 'annarcher000001';
const BEN = 'benbrooks000002';
const CAT = 'catchen00000003';
const ANN_DRAFT = 'post00000000013';
const BEN_DRAFT = 'post00000000014';

describe('blog: README walkthrough', () => {
    let server;
    before(async () => { server = await startExample('blog'); });
    after(async () => { if (server) await server.stop(); });

    it('runs as written', async () => {
        await runWalkthrough(HERE, { 'http://127.0.0.1:8090': server.url });
    });
});

describe('blog', () => {
    let server;
    let guest;
    let ann;
    let ben;
    let cat;

    before(async () => {
        server = await startExample('blog');
        guest = client(server.url);
        [ann, ben, cat] = await Promise.all([
            signIn(server.url, 'authors', 'ann@example.com', 'ann-password-1'),
            signIn(server.url, 'authors', 'ben@example.com', 'ben-password-1'),
            signIn(server.url, 'authors', 'cat@example.com', 'cat-password-1'),
        ]);
    });
    after(async () => { if (server) await server.stop(); });

    it('guests page through published posts only, with author and tags expanded', async () => {
        const seen = [];
        for (let page = 1; page <= 3; page++) {
            const res = await guest.collection('posts').getList(page, 5, { sort: '-published', expand: 'author,tags' });
            assert.equal(res.totalItems, 12);
            assert.equal(res.totalPages, 3);
            for (const p of res.items) {
                assert.equal(p.status, 'published');
                assert.ok(p.expand.author.name, JSON.stringify(p));
                assert.equal(p.expand.author.email, undefined, 'author emails are hidden');
                assert.equal(p.expand.tags.length, p.tags.length);
                seen.push(p.published);
            }
        }
        assert.equal(seen.length, 12);
        assert.deepEqual(seen, [...seen].sort().reverse(), 'sorted newest first');
        await expectStatus(guest.collection('posts').getOne(ANN_DRAFT), 404);
    });

    it('searches by title and by tag', async () => {
        const byTitle = await guest.collection('posts').getFullList({ filter: 'title ~ "sqlite"', sort: 'slug' });
        assert.deepEqual(byTitle.map((p) => p.slug), ['sqlite-partial-indexes', 'sqlite-wal-in-production']);
        const byTag = await guest.collection('posts').getFullList({ filter: 'tags.name ?= "cpp"', sort: 'slug' });
        assert.deepEqual(byTag.map((p) => p.slug), ['cpp20-coroutines', 'move-semantics', 'profiling-with-perf']);
        const both = await guest.collection('posts').getFullList({ filter: 'title ~ "http" && tags.name ?= "tutorials"' });
        assert.deepEqual(both.map((p) => p.slug), ['http-caching-with-curl']);
        // Ann's draft matches "sqlite" too, but only she finds it.
        const hers = await ann.collection('posts').getFullList({ filter: 'title ~ "sqlite"' });
        assert.equal(hers.length, 3);
        assert.ok(hers.some((p) => p.id === ANN_DRAFT));
    });

    it('authors see and edit only their own drafts', async () => {
        const annList = await ann.collection('posts').getFullList({ filter: 'status = "draft"' });
        assert.deepEqual(annList.map((p) => p.id), [ANN_DRAFT]);
        await expectStatus(ann.collection('posts').getOne(BEN_DRAFT), 404);
        await expectStatus(ann.collection('posts').update(BEN_DRAFT, { title: 'mine now' }), 404);
        await expectStatus(ann.collection('posts').delete(BEN_DRAFT), 404);
        // Published posts are visible to all but still editable by their author only.
        await expectStatus(ben.collection('posts').update('post00000000001', { title: 'Ben was here' }), 404);
        // An author cannot give a post away, nor create one in someone else's name.
        await expectStatus(ann.collection('posts').update(ANN_DRAFT, { author: BEN }), 404);
        await expectStatus(ann.collection('posts').create({ title: 'x', slug: 'x-by-ben', status: 'draft', author: BEN }), 400);
        await expectStatus(guest.collection('posts').create({ title: 'x', slug: 'x-by-guest', status: 'draft', author: ANN }), 400);

        const updated = await ann.collection('posts').update(ANN_DRAFT, { title: 'SQLite and the write-ahead log, part 2' });
        assert.equal(updated.title, 'SQLite and the write-ahead log, part 2');
        const su = await adminClient(server.url);
        assert.equal((await su.collection('posts').getOne(BEN_DRAFT)).title, 'Draft: HTTP/3 for the impatient');
    });

    it('slugs are unique and well-formed', async () => {
        await expectValidation(ann.collection('posts').create({
            title: 'Dup', slug: 'sqlite-wal-in-production', status: 'draft', author: ANN,
        }), 'slug', 'validation_not_unique');
        await expectValidation(ann.collection('posts').create({
            title: 'Bad', slug: 'Not A Slug', status: 'draft', author: ANN,
        }), 'slug', 'validation_invalid_format');
    });

    it('signed-in users comment on published posts and edit only their own comments', async () => {
        await expectStatus(guest.collection('comments').create({ post: 'post00000000002', author: CAT, text: 'hi' }), 400);
        await expectStatus(cat.collection('comments').create({ post: 'post00000000002', author: ANN, text: 'as Ann' }), 400);
        await expectStatus(cat.collection('comments').create({ post: ANN_DRAFT, author: CAT, text: 'on a draft' }), 400);
        const c = await cat.collection('comments').create({ post: 'post00000000002', author: CAT, text: 'First!' });
        assert.equal(c.text, 'First!');

        await expectStatus(ben.collection('comments').update(c.id, { text: 'edited by Ben' }), 404);
        await expectStatus(ben.collection('comments').delete(c.id), 404);
        // Moving a comment to another post is refused even for its author.
        await expectStatus(cat.collection('comments').update(c.id, { post: 'post00000000003' }), 404);
        assert.equal((await cat.collection('comments').update(c.id, { text: 'Second thoughts' })).text, 'Second thoughts');
        const stored = await guest.collection('comments').getOne(c.id, { expand: 'author' });
        assert.equal(stored.text, 'Second thoughts');
        assert.equal(stored.post, 'post00000000002');
        assert.equal(stored.expand.author.name, 'Cat Chen');
        assert.equal(await cat.collection('comments').delete(c.id), true);
        await expectStatus(guest.collection('comments').getOne(c.id), 404);
    });

    it('new comments arrive live, only for the post being watched', async () => {
        const watcher = client(server.url);
        const events = [];
        await watcher.collection('comments').subscribe('*', (e) => events.push(e), {
            filter: 'post = "post00000000005"', expand: 'author',
        });
        await ben.collection('comments').create({ post: 'post00000000004', author: BEN, text: 'elsewhere' });
        const c = await ben.collection('comments').create({ post: 'post00000000005', author: BEN, text: 'live one' });
        await waitFor(() => events.length >= 1, 'the comment event');
        await ben.collection('comments').update(c.id, { text: 'live one, edited' });
        await waitFor(() => events.length >= 2, 'the update event');
        assert.deepEqual(events.map((e) => [e.action, e.record.text, e.record.expand?.author?.name]),
            [['create', 'live one', 'Ben Brooks'], ['update', 'live one, edited', 'Ben Brooks']]);
        await watcher.realtime.unsubscribe();
    });
});
