#!/usr/bin/python3
"""The systems of the peer benchmark, their URL layouts, and the checks run before timing.

  check.py env SYSTEM                      shell assignments (W1_PATH=... ) for bench/peers.sh
  check.py login SYSTEM URL                prints a bearer token of user 1 (Authorization value)
  check.py validate SYSTEM URL REF_DB [--token T]
                                           compares the system's answers for W1-W6 with the
                                           reference database; exits 1 on the first mismatch
  check.py nginx-files BASALT_URL BASALT_DB ROOT
                                           writes the JSON Basalt serves as static files and
                                           checks a sample against Basalt's answers

Every answer must match SQL run directly on the pristine reference copy of the peers' database
(peers.db as generated, before any write): row ids, field values, order and totals.
Stdlib only (Debian's /usr/bin/python3).
"""
import http.client
import json
import os
import random
import sqlite3
import sys
import urllib.parse

PASSWORD = "benchpassword123"

# Per system: id format, the path of each workload ({id}: post id for W1, author id for W4),
# the create body, the login call and the page shape (items key, total key).
SYSTEMS = {
    "basalt": dict(
        idfmt="%015d",
        w1="/api/collections/posts/records/{id}",
        w2="/api/collections/posts/records?filter=published%3Dtrue%20%26%26%20views%3E100"
           "&sort=-created&perPage=30",
        w4="/api/collections/posts/records?filter=author%3D%27{id}%27&sort=-created&perPage=30",
        w3="/api/collections/posts/records",
        w3_body='{"title":"bench {n}","body":"created by wrk","views":{views},"published":true,'
                '"author":"{author}"}',
        w5="/api/collections/users/auth-refresh",
        w6="/api/collections/notes/records?sort=-created&perPage=30",
        login="/api/collections/users/auth-with-password",
        login_body={"identity": "user1@example.com", "password": PASSWORD},
        token_key="token", auth_prefix="", page=("items", "totalItems")),
    "fastify": dict(
        idfmt="%d",
        w1="/posts/{id}",
        w2="/posts?published=true&views_gt=100&sort=-created&perPage=30",
        w4="/posts?author={id}&sort=-created&perPage=30",
        w3="/posts",
        w3_body='{"title":"bench {n}","body":"created by wrk","views":{views},"published":true,'
                '"author":{author}}',
        w5="/auth/refresh",
        w6="/notes?perPage=30",
        login="/auth/login", login_body={"email": "user1@example.com", "password": PASSWORD},
        token_key="token", auth_prefix="Bearer ", page=("items", "totalItems")),
    "drf": dict(
        idfmt="%d",
        w1="/api/posts/{id}/",
        w2="/api/posts/?published=true&views__gt=100&ordering=-created",
        w4="/api/posts/?author={id}&ordering=-created",
        w3="/api/posts/",
        w3_body='{"title":"bench {n}","body":"created by wrk","views":{views},"published":true,'
                '"author":{author}}',
        w5="/api/auth/refresh/",
        w6="/api/notes/",
        login="/api/auth/login/", login_body={"email": "user1@example.com", "password": PASSWORD},
        token_key="access", auth_prefix="Bearer ", page=("results", "count")),
    # nginx serves Basalt's bytes for the read-only workloads (the transport ceiling).
    "nginx": dict(
        idfmt="%015d",
        w1="/posts/{id}",
        w2="/lists/published",
        w4="/lists/author/{id}",
        page=("items", "totalItems")),
}
SYSTEMS["fastapi"] = dict(SYSTEMS["fastify"])  # the same URL layout


def shell_env(name):
    s = SYSTEMS[name]
    out = [f"IDFMT='{s['idfmt']}'"]
    for k in ("w1", "w2", "w3", "w4", "w5", "w6", "w3_body"):
        out.append(f"{k.upper()}_PATH='{s.get(k, '')}'" if k != "w3_body" else f"W3_BODY='{s.get(k, '')}'")
    return "\n".join(out)


class Client:
    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def call(self, method, path, body=None, auth=None):
        headers = {}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if auth:
            headers["Authorization"] = auth
        self.conn.request(method, path, body=body, headers=headers)
        r = self.conn.getresponse()
        return r.status, r.read()

    def json(self, method, path, body=None, auth=None, ok=(200, 201)):
        status, data = self.call(method, path, body, auth)
        if status not in ok:
            fail(f"{method} {path} → {status} {data[:300]!r}")
        return json.loads(data)


def fail(msg):
    print(f"validation FAILED: {msg}", file=sys.stderr)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def login(name, base):
    s = SYSTEMS[name]
    r = Client(base).json("POST", s["login"], s["login_body"])
    return s["auth_prefix"] + r[s["token_key"]]


def fill(path, idfmt, i):
    return path.replace("{id}", idfmt % i)


def validate(name, base, ref_db, token):
    s = SYSTEMS[name]
    c = Client(base)
    ref = sqlite3.connect(f"file:{ref_db}?mode=ro", uri=True)
    items_key, total_key = s["page"]
    rnd = random.Random(8)
    checks = 0

    def page(path, auth=None):
        r = c.json("GET", path, auth=auth)
        return [int(it["id"]) for it in r[items_key]], r[total_key], r[items_key]

    # W1: 25 random posts, every field that the peers share.
    for i in rnd.sample(range(1, 100001), 25):
        row = ref.execute("SELECT id, title, body, views, published, author_id FROM posts WHERE id = ?",
                          (i,)).fetchone()
        if row is None:
            continue
        p = c.json("GET", fill(s["w1"], s["idfmt"], i))
        got = (int(p["id"]), p["title"], p["body"], int(p["views"]), bool(p["published"]), int(p["author"]))
        expect(got == (row[0], row[1], row[2], row[3], bool(row[4]), row[5]), f"W1 post {i}: {got} != {row}")
        checks += 1
    expect(checks > 0, "W1: no posts in the reference database")
    # W2: the page and the exact total.
    ids, total, _ = page(s["w2"])
    want = [r[0] for r in ref.execute(
        "SELECT id FROM posts WHERE published = 1 AND views > 100 ORDER BY created DESC LIMIT 30")]
    want_total = ref.execute("SELECT COUNT(*) FROM posts WHERE published = 1 AND views > 100").fetchone()[0]
    expect(ids == want, f"W2 ids {ids[:5]}... != {want[:5]}...")
    expect(total == want_total, f"W2 total {total} != {want_total}")
    # W4: five authors.
    for a in rnd.sample(range(1, 1001), 5):
        ids, total, _ = page(fill(s["w4"], s["idfmt"], a))
        want = [r[0] for r in ref.execute(
            "SELECT id FROM posts WHERE author_id = ? ORDER BY created DESC LIMIT 30", (a,))]
        want_total = ref.execute("SELECT COUNT(*) FROM posts WHERE author_id = ?", (a,)).fetchone()[0]
        expect(ids == want and total == want_total, f"W4 author {a}: {ids[:3]}/{total} != {want[:3]}/{want_total}")
    if name == "nginx":
        print(f"validation ok: {name} (W1 x{checks}, W2, W4 x5)")
        return
    # W5: a refreshed token for user 1 that works in turn.
    r = c.json("POST", s["w5"], auth=token)
    expect(int(r["record"]["id"]) == 1, f"W5 record {r['record']}")
    token2 = s["auth_prefix"] + r["token"]
    # W6: user 1's own notes only, with both tokens; a guest gets nothing.
    want = [r[0] for r in ref.execute("SELECT id FROM notes WHERE author_id = 1 ORDER BY created DESC LIMIT 30")]
    want_total = ref.execute("SELECT COUNT(*) FROM notes WHERE author_id = 1").fetchone()[0]
    for t in (token, token2):
        ids, total, items = page(s["w6"], auth=t)
        expect(ids == want and total == want_total, f"W6: {ids[:3]}/{total} != {want[:3]}/{want_total}")
        expect(all(int(it["author"]) == 1 for it in items), "W6: a note of another user")
    status, data = c.call("GET", s["w6"])
    if status == 200:
        expect(json.loads(data)[total_key] == 0, f"W6 as a guest: {data[:200]!r}")
    else:
        expect(status in (401, 403), f"W6 as a guest → {status}")
    # W3: a create is acknowledged, then visible with its fields; an unknown author is refused.
    body = s["w3_body"].replace("{n}", "validation").replace("{views}", "7").replace("{author}", s["idfmt"] % 3)
    created = c.json("POST", s["w3"], body.encode())
    got = c.json("GET", fill(s["w1"], "%s", created["id"]))
    expect(got["title"] == "bench validation" and int(got["views"]) == 7 and int(got["author"]) == 3,
           f"W3: created {created}, read back {got}")
    bad = s["w3_body"].replace("{n}", "x").replace("{views}", "1").replace("{author}", s["idfmt"] % 999999)
    status, _ = c.call("POST", s["w3"], bad.encode())
    expect(status == 400, f"W3 with an unknown author → {status}")
    print(f"validation ok: {name} (W1 x{checks}, W2, W4 x5, W5, W6, W3)")


def basalt_post_json(row, collection_id):
    """Basalt's view answer for a posts row of its data.db (keys sorted, compact, a final
    newline as Go's json.Encoder writes)."""
    pid, title, body, views, published, author, created, updated = row
    rec = {"author": author, "body": body, "collectionId": collection_id, "collectionName": "posts",
           "created": created, "id": pid, "published": bool(published), "title": title,
           "updated": updated, "views": views}
    return json.dumps(rec, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


NGINX_LISTS = [("lists/published", "w2")] + [(f"lists/author/{a:015d}", "w4", a) for a in range(1, 1001)]


def nginx_files(basalt_url, basalt_db, root):
    db = sqlite3.connect(f"file:{basalt_db}?mode=ro", uri=True)
    cid = db.execute("SELECT id FROM _collections WHERE name = 'posts'").fetchone()[0]
    os.makedirs(os.path.join(root, "posts"), exist_ok=True)
    os.makedirs(os.path.join(root, "lists/author"), exist_ok=True)
    for row in db.execute("SELECT id, title, body, views, published, author, created, updated FROM posts"):
        with open(os.path.join(root, "posts", row[0]), "wb") as f:
            f.write(basalt_post_json(row, cid))
    c = Client(basalt_url)
    s = SYSTEMS["basalt"]
    for entry in NGINX_LISTS:
        path = s[entry[1]] if len(entry) == 2 else fill(s[entry[1]], s["idfmt"], entry[2])
        status, data = c.call("GET", path)
        expect(status == 200, f"Basalt {path} → {status}")
        with open(os.path.join(root, entry[0]), "wb") as f:
            f.write(data)
    # The rendered posts are byte for byte what Basalt answers.
    for i in random.Random(9).sample(range(1, 100001), 100):
        with open(os.path.join(root, "posts", s["idfmt"] % i), "rb") as f:
            mine = f.read()
        status, theirs = c.call("GET", fill(s["w1"], s["idfmt"], i))
        expect(mine == theirs, f"nginx file of post {i} differs from Basalt's:\n{mine!r}\n{theirs!r}")
    print(f"nginx files: {root} (posts rendered from data.db, equal to Basalt's answers; lists from Basalt)")




if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "env":
        print(shell_env(args[0]))
    elif cmd == "login":
        print(login(args[0], args[1]))
    elif cmd == "validate":
        opts = dict(zip(args[3::2], args[4::2]))
        validate(args[0], args[1], args[2], opts.get("--token"))
    elif cmd == "nginx-files":
        nginx_files(*args)
    else:
        sys.exit(f"unknown command {cmd}")
