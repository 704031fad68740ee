// Loads the blog example into a running Basalt: `make example NAME=blog` (or, with a superuser
// already created, `node examples/blog/setup.mjs`). See README.md beside this file.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { setupExample, BASALT_URL } from '../lib/loader.mjs';

await setupExample(path.dirname(fileURLToPath(import.meta.url)));
console.log(`blog example ready at ${BASALT_URL} — sign in as ann@example.com / ann-password-1`);
