// The shop's client-side checkout: one batch request, so the order, its items, the stock
// decrements and the emptied cart happen together or not at all. The server's API rules check
// every part (see README.md); this code only assembles the request.
import { randomInt } from 'node:crypto';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A record id in PocketBase's format (15 of [a-z0-9]), so the items can name their order. */
export function newRecordId() {
    return Array.from({ length: 15 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
}

/**
 * Turns the signed-in customer's cart into an order. Resolves with the order's row of the
 * `order_totals` view; rejects with the SDK's error (status 400) if any part is refused, e.g.
 * when a product sold out meanwhile — then nothing at all has changed.
 */
export async function checkout(pb) {
    const customer = pb.authStore.record.id;
    const lines = await pb.collection('cart_items').getFullList({
        filter: pb.filter('cart.customer = {:customer}', { customer }),
        expand: 'product',
    });
    if (lines.length === 0) throw new Error('the cart is empty');

    const order = newRecordId();
    const batch = pb.createBatch();
    batch.collection('orders').create({ id: order, customer, status: 'placed' });
    for (const line of lines) {
        const product = line.expand.product;
        batch.collection('order_items').create({ order, product: product.id, quantity: line.quantity, price: product.price });
        batch.collection('products').update(product.id, { 'stock-': line.quantity });
        batch.collection('cart_items').delete(line.id);
    }
    await batch.send();
    return pb.collection('order_totals').getOne(order);
}
