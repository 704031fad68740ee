// The shop example end to end through the official SDK: checkout as one batch, prices checked by
// rules, totals from a view, and 40 concurrent checkouts for the last 10 units.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectStatus } from '../../tests/support/testkit.mjs';
import { adminClient, client, signIn, startExample } from '../lib/testing.mjs';
import { runWalkthrough } from '../lib/walkthrough.mjs';
import { checkout, newRecordId } from './checkout.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ALICE = 'customeralice01';
const BOB = 'customerbob0002';
const MUG = 'productmug00001';
const HOODIE = 'producthoodie01';

/** Rejects unless `promise` is a failed batch whose item `index` failed with `status`. */
async function expectBatchFailure(promise, index, status) {
    await assert.rejects(promise, (err) => {
        assert.equal(err.status, 400, JSON.stringify(err.response));
        const failed = err.response.data?.requests?.[String(index)];
        assert.equal(failed?.code, 'batch_request_failed', JSON.stringify(err.response));
        assert.equal(failed.response.status, status, JSON.stringify(err.response));
        return true;
    });
}

describe('shop: README walkthrough', () => {
    let server;
    before(async () => { server = await startExample('shop'); });
    after(async () => { if (server) await server.stop(); });

    it('runs as written', async () => {
        await runWalkthrough(HERE, { 'http://127.0.0.1:8090': server.url });
    });
});

describe('shop', () => {
    let server;
    let su;
    let alice;
    let bob;

    before(async () => {
        server = await startExample('shop');
        su = await adminClient(server.url);
        [alice, bob] = await Promise.all([
            signIn(server.url, 'customers', 'alice@example.com', 'alice-password-1'),
            signIn(server.url, 'customers', 'bob@example.com', 'bob-password-1'),
        ]);
    });
    after(async () => { if (server) await server.stop(); });

    it('checkout creates the order and its items, takes the stock and empties the cart', async () => {
        const order = await checkout(alice);
        assert.equal(order.customer, ALICE);
        assert.equal(order.lines, 2);
        assert.equal(order.units, 3);
        assert.equal(order.total, 2 * 1250 + 400);
        const items = await alice.collection('order_items').getFullList({ filter: `order = "${order.id}"`, sort: 'price' });
        assert.deepEqual(items.map((i) => [i.product, i.quantity, i.price]), [['productstickers', 1, 400], [MUG, 2, 1250]]);
        assert.equal((await su.collection('products').getOne(MUG)).stock, 98);
        assert.equal((await su.collection('products').getOne('productstickers')).stock, 499);
        assert.equal((await alice.collection('cart_items').getFullList()).length, 0);
        // Orders and their totals are private.
        await expectStatus(bob.collection('order_totals').getOne(order.id), 404);
        await expectStatus(bob.collection('orders').getOne(order.id), 404);
        assert.equal((await bob.collection('order_items').getFullList()).length, 0);
        await expectStatus(client(server.url).collection('order_totals').getOne(order.id), 404);
        // Orders are immutable for customers.
        await expectStatus(alice.collection('orders').update(order.id, { status: 'paid' }), 403);
        await expectStatus(alice.collection('order_items').update(items[0].id, { price: 1 }), 403);
        await expectStatus(alice.collection('order_totals').update(order.id, { total: 1 }), 400);
    });

    it('clients cannot set prices or raise stock', async () => {
        const before = await su.collection('products').getOne(HOODIE);
        // Not even next to a genuine order item of theirs (Alice just bought mugs and stickers).
        for (const change of [{ price: 1 }, { stock: 1000 }, { 'stock+': 1 }, { name: 'Free hoodie' }, { stock: before.stock - 1 }]) {
            await expectStatus(alice.collection('products').update(HOODIE, change), 404);
            await expectStatus(alice.collection('products').update(MUG, change), 404);
        }
        for (const change of [{ price: 1, 'stock-': 1 }, { 'stock+': 5 }, { stock: 1000 }, { 'stock-': 1, description: 'x' }]) {
            const b = alice.createBatch();
            b.collection('products').update(MUG, change);
            await expectBatchFailure(b.send(), 0, 404);
        }
        // A decrement without an order item of one's own for that product is refused as well.
        const b = bob.createBatch();
        b.collection('products').update(HOODIE, { 'stock-': 1 });
        await expectBatchFailure(b.send(), 0, 404);
        await expectStatus(alice.collection('products').create({ name: 'Mine', price: 1, stock: 5 }), 403);
        await expectStatus(alice.collection('products').delete(HOODIE), 403);
        const after = await su.collection('products').getOne(HOODIE);
        assert.deepEqual([after.price, after.stock, after.name], [before.price, before.stock, before.name]);
        assert.equal((await su.collection('products').getOne(MUG)).price, 1250);
    });

    it('an item priced below the product is refused and the whole batch leaves nothing', async () => {
        const ordersBefore = (await su.collection('orders').getFullList()).length;
        for (const price of [1, 4499, 4501]) {
            const order = newRecordId();
            const b = bob.createBatch();
            b.collection('orders').create({ id: order, customer: BOB, status: 'placed' });
            b.collection('order_items').create({ order, product: HOODIE, quantity: 1, price });
            b.collection('products').update(HOODIE, { 'stock-': 1 });
            await expectBatchFailure(b.send(), 1, 400);
        }
        // Ordering into someone else's order, or in someone else's name, is refused too.
        const aliceOrder = (await alice.collection('orders').getFullList())[0].id;
        await expectStatus(bob.collection('order_items').create({ order: aliceOrder, product: HOODIE, quantity: 1, price: 4500 }), 400);
        await expectStatus(bob.collection('orders').create({ customer: ALICE, status: 'placed' }), 400);
        await expectStatus(bob.collection('orders').create({ customer: BOB, status: 'paid' }), 400);
        assert.equal((await su.collection('orders').getFullList()).length, ordersBefore);
        assert.equal((await su.collection('products').getOne(HOODIE)).stock, 20);
    });

    it('40 concurrent checkouts for the last 10 units: exactly 10 orders, stock 0, no leftovers', async () => {
        const N = 40;
        const STOCK = 10;
        const product = await su.collection('products').create({ name: 'Last lamp', price: 2500, stock: STOCK });
        // 40 customers with one unit each in their cart (set up by the superuser in two batches).
        const people = [];
        let setup;
        for (let i = 0; i < N; i++) {
            if (i % 20 === 0) {
                if (setup) await setup.send();
                setup = su.createBatch();
            }
            const id = `racer${String(i).padStart(10, '0')}`;
            const cart = `cartracer${String(i).padStart(6, '0')}`;
            people.push({ id, email: `racer${i}@example.com` });
            setup.collection('customers').create({ id, email: `racer${i}@example.com`, password: 'racer-password-1',
                passwordConfirm: 'racer-password-1', name: `Racer ${i}` });
            setup.collection('carts').create({ id: cart, customer: id });
            setup.collection('cart_items').create({ cart, product: product.id, quantity: 1 });
        }
        await setup.send();
        // Separate SDK clients, each signed in as its own customer (impersonation skips 40 bcrypt
        // checks; the tokens are ordinary auth tokens of those customers).
        const clients = await Promise.all(people.map(async (p) => su.collection('customers').impersonate(p.id, 600)));
        clients.forEach((c) => c.autoCancellation(false));

        const results = await Promise.allSettled(clients.map((c) => checkout(c)));
        const won = results.filter((r) => r.status === 'fulfilled').map((r) => r.value);
        const lost = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
        assert.equal(won.length, STOCK, lost.map((e) => JSON.stringify(e.response ?? String(e))).slice(0, 3).join('\n'));
        for (const e of lost) {
            assert.equal(e.status, 400, JSON.stringify(e.response));
            assert.equal(e.response.data.requests['2'].response.data.stock.code, 'validation_min_number_constraint',
                JSON.stringify(e.response));
        }
        assert.equal((await su.collection('products').getOne(product.id)).stock, 0);

        const orders = await su.collection('order_totals').getFullList({ filter: `customer ~ "racer"` });
        assert.equal(orders.length, STOCK);
        assert.deepEqual(new Set(orders.map((o) => o.id)), new Set(won.map((o) => o.id)));
        for (const o of orders) assert.deepEqual([o.lines, o.units, o.total], [1, 1, 2500]);
        const items = await su.collection('order_items').getFullList({ filter: `product = "${product.id}"` });
        assert.equal(items.length, STOCK);
        // The losers' carts are untouched (their checkout left nothing behind), the winners' are empty.
        const winners = new Set(orders.map((o) => o.customer));
        const carts = await su.collection('cart_items').getFullList({ filter: `product = "${product.id}"`, expand: 'cart' });
        assert.deepEqual(new Set(carts.map((c) => c.expand.cart.customer)),
            new Set(people.map((p) => p.id).filter((id) => !winners.has(id))));
        assert.equal(carts.length, N - STOCK);
    });
});
