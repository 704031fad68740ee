"""SQLAlchemy engine and session, as in FastAPI's "SQL (Relational) Databases" tutorial."""
import os

from sqlalchemy import create_engine, event
from sqlalchemy.orm import declarative_base, sessionmaker
from sqlalchemy.pool import QueuePool

# QueuePool is SQLAlchemy 2.0's default for SQLite files; 1.4 (Debian's) opens a connection per
# request, which a production deployment would not keep. The pool is as large as the thread
# pool that runs sync endpoints (AnyIO's 40 threads): with the default 5 + 10, 64 concurrent
# requests deadlock, since the threads waiting for a connection are the ones that would run
# the `get_db` teardown releasing one (FastAPI issue #3205).
engine = create_engine(f"sqlite:///{os.environ['DB']}", connect_args={"check_same_thread": False},
                       poolclass=QueuePool, pool_size=40, max_overflow=0)


@event.listens_for(engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode = WAL")
    # the same durability as Basalt: FULL (bench/peers.sh SYNC) or NORMAL
    sync = os.environ.get("SQLITE_SYNC", "FULL")
    cur.execute("PRAGMA synchronous = " + ("NORMAL" if sync == "NORMAL" else "FULL"))
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


SessionLocal = sessionmaker(autocommit=False, autoflush=False, bind=engine)
Base = declarative_base()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()
