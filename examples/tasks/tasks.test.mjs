// The tasks example end to end through the official SDK: roles enforced purely by rules that join
// the memberships, per team; filters; live board updates only for members.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectStatus, waitFor } from '../../tests/support/testkit.mjs';
import { adminClient, signIn, startExample } from '../lib/testing.mjs';
import { runWalkthrough } from '../lib/walkthrough.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CORE = 'teamcore0000001';
const MARKETING = 'teammarketing02';
const WEBSITE = 'projectwebsite1';
const LAUNCH = 'projectlaunch03';
const ID = { olivia: 'olivia000000001', adam: 'adam00000000002', mia: 'mia000000000003', victor: 'victor000000004', nora: 'nora00000000005' };
const LANDING = 'task00000000001'; // Website, assigned to Mia
const VENUE = 'task00000000008'; // Launch (Marketing)

describe('tasks: README walkthrough', () => {
    let server;
    before(async () => { server = await startExample('tasks'); });
    after(async () => { if (server) await server.stop(); });

    it('runs as written', async () => {
        await runWalkthrough(HERE, { 'http://127.0.0.1:8090': server.url });
    });
});

describe('tasks', () => {
    let server;
    const pb = {};

    before(async () => {
        server = await startExample('tasks');
        await Promise.all(Object.keys(ID).map(async (name) => {
            pb[name] = await signIn(server.url, 'people', `${name}@example.com`, `${name}-password-1`);
        }));
    });
    after(async () => { if (server) await server.stop(); });

    it('each member sees exactly the teams, projects and tasks of their teams', async () => {
        const seen = async (who, collection) => (await pb[who].collection(collection).getFullList({ sort: 'id' })).map((r) => r.id);
        assert.deepEqual(await seen('victor', 'teams'), [CORE]);
        assert.deepEqual(await seen('nora', 'teams'), [MARKETING]);
        assert.deepEqual(await seen('mia', 'teams'), [CORE, MARKETING]);
        assert.deepEqual(await seen('nora', 'projects'), [LAUNCH]);
        assert.equal((await seen('victor', 'tasks')).length, 7);
        assert.deepEqual(await seen('nora', 'tasks'), [VENUE, 'task00000000009']);
        assert.equal((await seen('nora', 'memberships')).length, 3);
        assert.deepEqual(await seen('nora', 'task_comments'), ['taskcomment0002']);
        await expectStatus(pb.nora.collection('tasks').getOne(LANDING), 404);
        await expectStatus(pb.nora.collection('teams').getOne(CORE), 404);
        await expectStatus(pb.victor.collection('tasks').getOne(VENUE), 404);
        // People: yourself and whoever shares a team with you.
        assert.deepEqual((await seen('nora', 'people')).sort(), [ID.adam, ID.mia, ID.nora].sort());
        assert.deepEqual((await seen('victor', 'people')).sort(), [ID.adam, ID.mia, ID.olivia, ID.victor].sort());
        await expectStatus(pb.nora.collection('people').getOne(ID.olivia), 404);
    });

    it('viewers read, members write tasks, and the role that counts is the one for that team', async () => {
        // Victor (viewer in Core)
        await expectStatus(pb.victor.collection('tasks').update(LANDING, { status: 'done' }), 404);
        await expectStatus(pb.victor.collection('tasks').delete(LANDING), 404);
        await expectStatus(pb.victor.collection('tasks').create({ project: WEBSITE, title: 'x', status: 'todo' }), 400);
        await expectStatus(pb.victor.collection('task_comments').create({ task: LANDING, author: ID.victor, text: 'hi' }), 400);
        // Mia (member in Core, viewer in Marketing)
        const t = await pb.mia.collection('tasks').create({ project: WEBSITE, title: 'Compress images', status: 'todo',
            priority: 'low', assignee: ID.mia, due: '2026-04-01 12:00:00.000Z' });
        assert.equal(t.assignee, ID.mia);
        assert.equal((await pb.mia.collection('tasks').update(t.id, { status: 'doing' })).status, 'doing');
        await expectStatus(pb.mia.collection('tasks').update(VENUE, { status: 'done' }), 404);
        await expectStatus(pb.mia.collection('tasks').create({ project: LAUNCH, title: 'x', status: 'todo' }), 400);
        // Adam (admin in Core, viewer in Marketing)
        await expectStatus(pb.adam.collection('projects').update(LAUNCH, { name: 'Adam was here' }), 404);
        await expectStatus(pb.adam.collection('tasks').delete(VENUE), 404);
        assert.equal((await pb.adam.collection('projects').update(WEBSITE, { description: 'Our site.' })).description, 'Our site.');
        // Tasks stay in their project; assignees must be in the team.
        await expectStatus(pb.mia.collection('tasks').update(t.id, { project: 'projectapiv2002' }), 404);
        await expectStatus(pb.mia.collection('tasks').update(t.id, { assignee: ID.nora }), 404);
        await expectStatus(pb.mia.collection('tasks').create({ project: WEBSITE, title: 'y', status: 'todo', assignee: ID.nora }), 400);
        assert.equal((await pb.mia.collection('tasks').update(t.id, { assignee: ID.victor })).assignee, ID.victor);
        assert.equal(await pb.mia.collection('tasks').delete(t.id), true);
        const su = await adminClient(server.url);
        assert.equal((await su.collection('tasks').getOne(VENUE)).status, 'doing');
        assert.equal((await su.collection('projects').getOne(LAUNCH)).name, 'Launch');
    });

    it('admins manage projects and members; nobody escalates to owner', async () => {
        await expectStatus(pb.mia.collection('projects').create({ team: CORE, name: 'Mine' }), 400);
        const p = await pb.adam.collection('projects').create({ team: CORE, name: 'Ops' });
        await expectStatus(pb.mia.collection('projects').delete(p.id), 404);
        assert.equal(await pb.adam.collection('projects').delete(p.id), true);

        const victorsRow = await pb.adam.collection('memberships').getFirstListItem(`team = "${CORE}" && user = "${ID.victor}"`);
        await expectStatus(pb.adam.collection('memberships').update(victorsRow.id, { role: 'owner' }), 404);
        await expectStatus(pb.mia.collection('memberships').update(victorsRow.id, { role: 'member' }), 404);
        await expectStatus(pb.mia.collection('memberships').create({ team: CORE, user: ID.nora, role: 'viewer' }), 400);
        await expectStatus(pb.adam.collection('memberships').create({ team: CORE, user: ID.nora, role: 'owner' }), 400);
        await expectStatus(pb.adam.collection('memberships').create({ team: MARKETING, user: ID.victor, role: 'viewer' }), 400);
        // Bootstrapping ownership works only for a team's creator.
        await expectStatus(pb.adam.collection('memberships').create({ team: MARKETING, user: ID.adam, role: 'owner' }), 400);
        const oliviasRow = await pb.adam.collection('memberships').getFirstListItem(`team = "${CORE}" && user = "${ID.olivia}"`);
        await expectStatus(pb.adam.collection('memberships').delete(oliviasRow.id), 404);

        // Adam promotes Victor to member: Victor can now write tasks.
        assert.equal((await pb.adam.collection('memberships').update(victorsRow.id, { role: 'member' })).role, 'member');
        assert.equal((await pb.victor.collection('tasks').update(LANDING, { priority: 'urgent' })).priority, 'urgent');
        // Olivia removes Victor from Core: he sees nothing any more.
        assert.equal(await pb.olivia.collection('memberships').delete(victorsRow.id), true);
        assert.equal((await pb.victor.collection('tasks').getFullList()).length, 0);
        assert.equal((await pb.victor.collection('teams').getFullList()).length, 0);
        await expectStatus(pb.victor.collection('tasks').getOne(LANDING), 404);
    });

    it('filters by status, assignee and due date', async () => {
        const list = (who, filter) => pb[who].collection('tasks').getFullList({ filter, sort: 'due,title' })
            .then((items) => items.map((t) => t.title));
        assert.deepEqual(await list('olivia', 'status = "review"'), ['Draft the v2 error format']);
        assert.deepEqual(await list('olivia', `assignee = "${ID.adam}"`), ['Draft the v2 error format', 'Write the pricing copy']);
        assert.deepEqual(await list('olivia', 'assignee = ""'), ['Deprecate v1 tokens', 'Fix the broken footer links']);
        assert.deepEqual(await list('olivia', 'due >= "2026-03-01" && due < "2026-03-06"'),
            ['Design the landing page', 'Draft the v2 error format']);
        assert.deepEqual(await list('olivia', 'assignee.name ~ "mia" && (priority = "high" || priority = "urgent")'),
            ['Design the landing page']);
    });

    it('the board updates live for members only', async () => {
        const memberSaw = [];
        const outsiderSaw = [];
        await pb.mia.collection('tasks').subscribe('*', (e) => memberSaw.push([e.action, e.record.title]));
        await pb.nora.collection('tasks').subscribe('*', (e) => outsiderSaw.push([e.action, e.record.title]));
        const t = await pb.adam.collection('tasks').create({ project: 'projectapiv2002', title: 'Live one', status: 'todo' });
        await pb.adam.collection('tasks').update(t.id, { status: 'done' });
        await pb.adam.collection('tasks').delete(t.id);
        await pb.nora.collection('tasks').update('task00000000009', { priority: 'high' }); // a marker Nora may see
        await waitFor(() => memberSaw.length >= 4 && outsiderSaw.length >= 1, 'the events');
        assert.deepEqual(memberSaw, [['create', 'Live one'], ['update', 'Live one'], ['delete', 'Live one'], ['update', 'Press kit']]);
        assert.deepEqual(outsiderSaw, [['update', 'Press kit']]);
        await pb.mia.realtime.unsubscribe();
        await pb.nora.realtime.unsubscribe();
    });
});
