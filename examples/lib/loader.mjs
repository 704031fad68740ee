// Loads one example into a running Basalt: the example's collections (schema.json, PocketBase's
// collections export format) through PUT /api/collections/import, the settings it needs, then its
// seed records (seed.json) as batched upserts, so running it again puts the seed records back.
//
// Environment: BASALT_URL (default http://127.0.0.1:8090), BASALT_ADMIN_EMAIL and
// BASALT_ADMIN_PASSWORD (the superuser `make example` creates; defaults below).
import fs from 'node:fs';
import path from 'node:path';
import PocketBase from 'pocketbase';

export const BASALT_URL = process.env.BASALT_URL || 'http://127.0.0.1:8090';
export const ADMIN_EMAIL = process.env.BASALT_ADMIN_EMAIL || 'admin@example.com';
export const ADMIN_PASSWORD = process.env.BASALT_ADMIN_PASSWORD || 'basalt-admin-123';

const BATCH_SIZE = 50;

function readJson(file) {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** A superuser client (auto-cancellation off: it is a script, not a UI). */
export async function adminClient(url = BASALT_URL) {
    const pb = new PocketBase(url);
    pb.autoCancellation(false);
    try {
        await pb.collection('_superusers').authWithPassword(ADMIN_EMAIL, ADMIN_PASSWORD);
    } catch (err) {
        if (err.status === 0) throw new Error(`cannot reach Basalt at ${url} — is \`make run\` running?`);
        throw new Error(`cannot sign in as superuser ${ADMIN_EMAIL} (${err.message}); ` +
            'create one with: ./build/release/basalt superuser upsert EMAIL PASSWORD --dir pb_data');
    }
    return pb;
}

/**
 * Imports `<dir>/schema.json`, applies `settings` (merged into the defaults every example needs),
 * then upserts `<dir>/seed.json` ({"collection": [records...], ...}, in that order). `transform`
 * may rewrite schema.json's text first (e.g. addresses that depend on the environment).
 */
export async function setupExample(dir, { settings = {}, transform = (json) => json, log = console.log } = {}) {
    const pb = await adminClient();
    // Seeding and the shop's checkout use batch requests, which PocketBase disables by default.
    await pb.settings.update({ ...settings, batch: { enabled: true, maxRequests: 100, timeout: 10, ...settings.batch } });

    const collections = JSON.parse(transform(fs.readFileSync(path.join(dir, 'schema.json'), 'utf8')));
    try {
        await pb.collections.import(collections, false);
    } catch (err) {
        throw new Error(`importing ${path.basename(dir)}/schema.json failed: ${JSON.stringify(err.response)}`);
    }
    log(`imported ${collections.length} collections: ${collections.map((c) => c.name).join(', ')}`);

    const seedFile = path.join(dir, 'seed.json');
    if (!fs.existsSync(seedFile)) return pb;
    const seed = readJson(seedFile);
    for (const [collection, records] of Object.entries(seed)) {
        for (let i = 0; i < records.length; i += BATCH_SIZE) {
            const batch = pb.createBatch();
            for (const r of records.slice(i, i + BATCH_SIZE)) batch.collection(collection).upsert(r);
            try {
                await batch.send();
            } catch (err) {
                throw new Error(`seeding ${collection} failed: ${JSON.stringify(err.response)}`);
            }
        }
        log(`seeded ${records.length} ${collection}`);
    }
    return pb;
}
