// Loads the shop example into a running Basalt: `make example NAME=shop` (or, with a superuser
// already created, `node examples/shop/setup.mjs`). See README.md beside this file.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { setupExample, BASALT_URL } from '../lib/loader.mjs';

await setupExample(path.dirname(fileURLToPath(import.meta.url)));
console.log(`shop example ready at ${BASALT_URL} — sign in as alice@example.com / alice-password-1`);
