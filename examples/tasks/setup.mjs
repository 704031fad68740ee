// Loads the tasks example into a running Basalt: `make example NAME=tasks` (or, with a superuser
// already created, `node examples/tasks/setup.mjs`). See README.md beside this file.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { setupExample, BASALT_URL } from '../lib/loader.mjs';

await setupExample(path.dirname(fileURLToPath(import.meta.url)));
console.log(`tasks example ready at ${BASALT_URL} — sign in as olivia@example.com / olivia-password-1 (owner of team Core)`);
