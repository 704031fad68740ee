// Runs the walkthrough of an example's README.md exactly as a reader would: every ```js block, in
// order, concatenated into one module and run with Node from the example's folder. Each
// `console.log(...)` line of the README ends with `// → <what it prints>` (a loop's further lines
// follow as lines of their own starting with `// → `); the run passes only if the script exits 0
// and prints exactly those lines. Only the server address is swapped
// (http://127.0.0.1:8090, and any other address given in `urls`) for the test's own servers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ARROW = '// → ';

/** The README's ```js blocks joined into one module, and the lines the `// →` comments promise. */
export function extractWalkthrough(readme) {
    const text = fs.readFileSync(readme, 'utf8');
    const blocks = [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    assert.ok(blocks.length > 0, `${readme} has no \`\`\`js blocks`);
    const code = blocks.join('\n');
    const expected = [];
    for (const line of code.split('\n')) {
        if (line.trim().startsWith(ARROW)) { // a further line printed by the console.log above (a loop)
            expected.push(line.trim().slice(ARROW.length).trimEnd());
            continue;
        }
        if (!line.includes('console.log(')) continue;
        const at = line.indexOf(ARROW);
        assert.ok(at >= 0, `${readme}: every console.log line needs a "${ARROW}<output>" comment: ${line.trim()}`);
        expected.push(line.slice(at + ARROW.length).trimEnd());
    }
    return { code, expected };
}

/**
 * Runs the walkthrough of `<exampleDir>/README.md` against the given addresses
 * (`urls`: {'http://127.0.0.1:8090': server.url, ...}) and asserts its output.
 */
export async function runWalkthrough(exampleDir, urls, { env = {}, timeoutMs = 30_000 } = {}) {
    let { code, expected } = extractWalkthrough(path.join(exampleDir, 'README.md'));
    for (const [from, to] of Object.entries(urls)) code = code.replaceAll(from, to);
    // Inside the example's folder, so `import 'pocketbase'` resolves as it does for a reader.
    const file = path.join(exampleDir, `.walkthrough-${process.pid}.mjs`);
    fs.writeFileSync(file, code);
    try {
        const child = spawn(process.execPath, [file], { cwd: exampleDir, env: { ...process.env, ...env },
            stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
        child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        const status = await new Promise((resolve) => child.once('exit', (c, sig) => resolve(sig ?? c)));
        clearTimeout(timer);
        assert.equal(status, 0, `the README walkthrough failed (exit ${status}):\n${stdout}\n${stderr}`);
        assert.deepEqual(stdout.trimEnd().split('\n'), expected, `the README walkthrough printed:\n${stdout}`);
    } finally {
        fs.rmSync(file, { force: true });
    }
}
