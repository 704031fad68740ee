'use strict'
// Issue #8 peer: the blog API on Fastify 5 + better-sqlite3, one process per core under node
// cluster, JSON schemas for input validation and fast-json-stringify output, @fastify/jwt for
// bearer tokens. Environment: PORT, DB (the SQLite file), WORKERS (default: number of cores),
// JWT_SECRET.
const cluster = require('node:cluster')
const os = require('node:os')
const crypto = require('node:crypto')

const WORKERS = Number(process.env.WORKERS || os.availableParallelism())

if (cluster.isPrimary) {
  for (let i = 0; i < WORKERS; i++) cluster.fork()
  cluster.on('exit', (w, code, signal) => {
    if (signal !== 'SIGTERM' && code !== 0) console.error(`worker ${w.process.pid} died (${signal || code})`)
  })
  const stop = () => { for (const w of Object.values(cluster.workers)) w.kill('SIGTERM'); process.exit(0) }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
} else {
  start().catch((err) => { console.error(err); process.exit(1) })
}

async function start () {
  const Database = require('better-sqlite3')
  const fastify = require('fastify')({ logger: false })

  const db = new Database(process.env.DB, { timeout: 5000 })
  db.pragma('journal_mode = WAL')
  // the same durability as Basalt: FULL (bench/peers.sh SYNC) or NORMAL
  db.pragma(`synchronous = ${process.env.SQLITE_SYNC === 'NORMAL' ? 'NORMAL' : 'FULL'}`)
  db.pragma('foreign_keys = ON')

  const POST_COLUMNS = 'id, title, body, views, published, author_id AS author, created, updated'
  const q = {
    post: db.prepare(`SELECT ${POST_COLUMNS} FROM posts WHERE id = ?`),
    insertPost: db.prepare(`INSERT INTO posts (title, body, views, published, author_id, created, updated)
                            VALUES (@title, @body, @views, @published, @author, @now, @now)`),
    user: db.prepare('SELECT id, email, name, created, updated FROM users WHERE id = ?'),
    userByEmail: db.prepare('SELECT id, email, name, password, created, updated FROM users WHERE email = ?'),
    notes: db.prepare(`SELECT id, title, body, author_id AS author, created, updated FROM notes
                       WHERE author_id = ? ORDER BY created DESC LIMIT ? OFFSET ?`),
    notesCount: db.prepare('SELECT COUNT(*) AS n FROM notes WHERE author_id = ?')
  }
  const listCache = new Map() // prepared statements per filter shape

  const now = () => new Date().toISOString().replace('T', ' ').replace('Z', '000')

  fastify.register(require('@fastify/jwt'), {
    secret: process.env.JWT_SECRET || 'bench-secret-bench-secret-bench-secret',
    sign: { expiresIn: '7d' }
  })
  fastify.decorate('authenticate', async (request) => { await request.jwtVerify() })

  const postSchema = {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      title: { type: 'string' },
      body: { type: 'string' },
      views: { type: 'integer' },
      published: { type: 'boolean' },
      author: { type: 'integer' },
      created: { type: 'string' },
      updated: { type: 'string' }
    }
  }
  const noteSchema = {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      title: { type: 'string' },
      body: { type: 'string' },
      author: { type: 'integer' },
      created: { type: 'string' },
      updated: { type: 'string' }
    }
  }
  const userSchema = {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      email: { type: 'string' },
      name: { type: 'string' },
      created: { type: 'string' },
      updated: { type: 'string' }
    }
  }
  const page = (items) => ({
    type: 'object',
    properties: {
      items: { type: 'array', items },
      page: { type: 'integer' },
      perPage: { type: 'integer' },
      totalItems: { type: 'integer' },
      totalPages: { type: 'integer' }
    }
  })
  const paging = {
    page: { type: 'integer', minimum: 1, default: 1 },
    perPage: { type: 'integer', minimum: 1, maximum: 500, default: 30 }
  }
  const authResponse = { type: 'object', properties: { token: { type: 'string' }, record: userSchema } }

  fastify.get('/posts/:id', {
    schema: { params: { type: 'object', properties: { id: { type: 'integer' } } }, response: { 200: postSchema } }
  }, async (request, reply) => {
    const row = q.post.get(request.params.id)
    if (!row) return reply.code(404).send({ message: 'Not found' })
    return row
  })

  fastify.get('/posts', {
    schema: {
      querystring: {
        type: 'object',
        properties: {
          ...paging,
          published: { type: 'boolean' },
          views_gt: { type: 'integer' },
          author: { type: 'integer' },
          sort: { type: 'string', enum: ['created', '-created'], default: '-created' }
        }
      },
      response: { 200: page(postSchema) }
    }
  }, async (request) => {
    const { page, perPage, published, views_gt: viewsGt, author, sort } = request.query
    const where = []
    const args = []
    if (published !== undefined) { where.push('published = ?'); args.push(published ? 1 : 0) }
    if (viewsGt !== undefined) { where.push('views > ?'); args.push(viewsGt) }
    if (author !== undefined) { where.push('author_id = ?'); args.push(author) }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const key = `${whereSql}|${sort}`
    let stmts = listCache.get(key)
    if (!stmts) {
      stmts = {
        rows: db.prepare(`SELECT ${POST_COLUMNS} FROM posts ${whereSql}
                          ORDER BY created ${sort === '-created' ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`),
        count: db.prepare(`SELECT COUNT(*) AS n FROM posts ${whereSql}`)
      }
      listCache.set(key, stmts)
    }
    const totalItems = stmts.count.get(...args).n
    const items = stmts.rows.all(...args, perPage, (page - 1) * perPage)
    return { items, page, perPage, totalItems, totalPages: Math.ceil(totalItems / perPage) }
  })

  fastify.post('/posts', {
    schema: {
      body: {
        type: 'object',
        required: ['title', 'author'],
        additionalProperties: false,
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 255 },
          body: { type: 'string', default: '' },
          views: { type: 'integer', minimum: 0, default: 0 },
          published: { type: 'boolean', default: false },
          author: { type: 'integer' }
        }
      },
      response: { 201: postSchema }
    }
  }, async (request, reply) => {
    const b = request.body
    let info
    try {
      info = q.insertPost.run({ ...b, published: b.published ? 1 : 0, now: now() })
    } catch (err) {
      if (err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return reply.code(400).send({ message: 'Unknown author' })
      throw err
    }
    return reply.code(201).send(q.post.get(info.lastInsertRowid))
  })

  fastify.post('/auth/login', {
    schema: {
      body: {
        type: 'object',
        required: ['email', 'password'],
        properties: { email: { type: 'string' }, password: { type: 'string' } }
      },
      response: { 200: authResponse }
    }
  }, async (request, reply) => {
    const user = q.userByEmail.get(request.body.email)
    if (!user || !checkDjangoPassword(request.body.password, user.password)) {
      return reply.code(400).send({ message: 'Failed to authenticate.' })
    }
    return { token: fastify.jwt.sign({ sub: String(user.id) }), record: user }
  })

  fastify.post('/auth/refresh', {
    onRequest: [fastify.authenticate],
    schema: { response: { 200: authResponse } }
  }, async (request, reply) => {
    const user = q.user.get(Number(request.user.sub))
    if (!user) return reply.code(401).send({ message: 'Unknown user' })
    return { token: fastify.jwt.sign({ sub: String(user.id) }), record: user }
  })

  fastify.get('/notes', {
    onRequest: [fastify.authenticate],
    schema: {
      querystring: { type: 'object', properties: paging },
      response: { 200: page(noteSchema) }
    }
  }, async (request) => {
    const { page, perPage } = request.query
    const author = Number(request.user.sub)
    const totalItems = q.notesCount.get(author).n
    const items = q.notes.all(author, perPage, (page - 1) * perPage)
    return { items, page, perPage, totalItems, totalPages: Math.ceil(totalItems / perPage) }
  })

  await fastify.listen({ port: Number(process.env.PORT || 3000), host: '127.0.0.1' })
}

// The users table stores Django's pbkdf2_sha256 hashes (the Django peer shares the data).
function checkDjangoPassword (password, encoded) {
  const [algorithm, iterations, salt, hash] = encoded.split('$')
  if (algorithm !== 'pbkdf2_sha256') return false
  const digest = crypto.pbkdf2Sync(password, salt, Number(iterations), 32, 'sha256')
  const expected = Buffer.from(hash, 'base64')
  return expected.length === digest.length && crypto.timingSafeEqual(digest, expected)
}
