#!/usr/bin/python3
"""Deterministic data for the peer benchmark (issue #8).

The same users, posts and notes go into two databases:

* Basalt's pb_data/data.db, whose collections `posts` and `notes` and whose first user
  (id 000000000000001, created through the API so that its bcrypt hash is real) already exist:
  rows get 15-digit ids, relations hold user ids, dates are PocketBase's "... .000Z".
* peers.db, a plain SQLite file shared (as copies) by the FastAPI, Django and Fastify peers:
  integer primary keys, `author_id` foreign keys, datetimes as the ORMs write them, and the
  indexes each community would add for the queries they serve.

Row i of every table is the same in both (id i <-> printf('%015d', i)), so a validator can
compare ids and totals across systems. Runs on Debian's /usr/bin/python3 with the stdlib only.
"""
import argparse
import base64
import datetime as dt
import hashlib
import sqlite3

PASSWORD = "benchpassword123"
EPOCH = dt.datetime(2024, 1, 1)


def post(i):
    return dict(title=f"Post number {i}",
                body=f"Body of post {i}: lorem ipsum dolor sit amet, consectetur adipiscing elit.",
                views=(i * 7919) % 1000, published=(i % 10) < 7, author=1 + i % USERS,
                created=EPOCH + dt.timedelta(minutes=i))


def note(i):
    return dict(title=f"Note {i}", body=f"Private note {i}: remember the milk.",
                author=1 + (i * 7) % USERS, created=EPOCH + dt.timedelta(minutes=i))


def user(i):
    return dict(email=f"user{i}@example.com", name=f"User {i}",
                created=EPOCH - dt.timedelta(days=30) + dt.timedelta(minutes=i))


def pb_date(t):  # PocketBase's "2006-01-02 15:04:05.000Z"
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def orm_date(t):  # what Django and SQLAlchemy store for a UTC datetime in SQLite
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def pid(i):
    return f"{i:015d}"


def django_pbkdf2(password, salt="basaltbenchsalt", iterations=260000):
    """Django 3.2's default hasher format, verified by all three peers' login code."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"


def fill_basalt(path):
    db = sqlite3.connect(path)
    pw, = db.execute("SELECT password FROM users WHERE id = ?", (pid(1),)).fetchone()
    db.executemany(
        "INSERT INTO users (id, email, emailVisibility, verified, password, tokenKey, name, avatar,"
        " created, updated) VALUES (?, ?, 0, 1, ?, ?, ?, '', ?, ?)",
        ((pid(i), u["email"], pw, f"tokenkey{i:042d}", u["name"], pb_date(u["created"]),
          pb_date(u["created"])) for i in range(2, USERS + 1) for u in [user(i)]))
    db.executemany(
        "INSERT INTO posts (id, title, body, views, published, author, created, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ((pid(i), p["title"], p["body"], p["views"], int(p["published"]), pid(p["author"]),
          pb_date(p["created"]), pb_date(p["created"])) for i in range(1, POSTS + 1) for p in [post(i)]))
    db.executemany(
        "INSERT INTO notes (id, title, body, author, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
        ((pid(i), n["title"], n["body"], pid(n["author"]), pb_date(n["created"]),
          pb_date(n["created"])) for i in range(1, NOTES + 1) for n in [note(i)]))
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


PEERS_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email VARCHAR(254) NOT NULL UNIQUE,
  name VARCHAR(255) NOT NULL DEFAULT '',
  password VARCHAR(128) NOT NULL,
  last_login DATETIME NULL,
  created DATETIME NOT NULL,
  updated DATETIME NOT NULL
);
CREATE TABLE posts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title VARCHAR(255) NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  views INTEGER NOT NULL DEFAULT 0,
  published BOOL NOT NULL DEFAULT 0,
  author_id INTEGER NOT NULL REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
  created DATETIME NOT NULL,
  updated DATETIME NOT NULL
);
CREATE INDEX posts_author_created ON posts (author_id, created);
CREATE INDEX posts_published_created ON posts (published, created);
CREATE INDEX posts_created ON posts (created);
CREATE TABLE notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title VARCHAR(255) NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  author_id INTEGER NOT NULL REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED,
  created DATETIME NOT NULL,
  updated DATETIME NOT NULL
);
CREATE INDEX notes_author_created ON notes (author_id, created);
"""


def make_peers(path):
    db = sqlite3.connect(path)
    db.executescript(PEERS_SCHEMA)
    pw = django_pbkdf2(PASSWORD)
    db.executemany("INSERT INTO users (id, email, name, password, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
                   ((i, u["email"], u["name"], pw, orm_date(u["created"]), orm_date(u["created"]))
                    for i in range(1, USERS + 1) for u in [user(i)]))
    db.executemany(
        "INSERT INTO posts (id, title, body, views, published, author_id, created, updated)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ((i, p["title"], p["body"], p["views"], int(p["published"]), p["author"],
          orm_date(p["created"]), orm_date(p["created"])) for i in range(1, POSTS + 1) for p in [post(i)]))
    db.executemany(
        "INSERT INTO notes (id, title, body, author_id, created, updated) VALUES (?, ?, ?, ?, ?, ?)",
        ((i, n["title"], n["body"], n["author"], orm_date(n["created"]), orm_date(n["created"]))
         for i in range(1, NOTES + 1) for n in [note(i)]))
    db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--basalt-db", help="pb_data/data.db with the collections and user 1 created")
    ap.add_argument("--peers-db", help="plain SQLite file to create")
    ap.add_argument("--posts", type=int, default=100000)
    ap.add_argument("--notes", type=int, default=100000)
    ap.add_argument("--users", type=int, default=1000)
    a = ap.parse_args()
    POSTS, NOTES, USERS = a.posts, a.notes, a.users
    if a.basalt_db:
        fill_basalt(a.basalt_db)
    if a.peers_db:
        make_peers(a.peers_db)
