import os

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def _sqlite_pragmas(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = WAL")
            # the same durability as Basalt: FULL (bench/peers.sh SYNC) or NORMAL
            sync = os.environ.get("SQLITE_SYNC", "FULL")
            cursor.execute("PRAGMA synchronous = " + ("NORMAL" if sync == "NORMAL" else "FULL"))


class BlogConfig(AppConfig):
    name = "blog"

    def ready(self):
        connection_created.connect(_sqlite_pragmas)
