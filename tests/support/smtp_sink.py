#!/usr/bin/env python3
"""SMTP sink for tests: accepts every message on 127.0.0.1 and stores it in a directory.

    smtp_sink.py --port PORT --dir DIR      (PORT 0 picks a free port)

Each message becomes DIR/<seq>.json ({"mail_from", "rcpt_tos": [...], and the decoded "subject",
"from", "to", "html", "text"}) and then
DIR/<seq>.eml (the DATA bytes exactly as received, dot-unstuffed), seq = 1, 2, ...; both are
written to a temp file and renamed, so an existing .eml means both files are complete. No TLS;
AUTH PLAIN/LOGIN is offered and any credentials are accepted. Prints
"SMTP sink listening on 127.0.0.1:<port>" once ready; SIGTERM/SIGINT stop it cleanly.
Needs Debian's python3-aiosmtpd.
"""
import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import signal
import sys

from aiosmtpd.smtp import SMTP, AuthResult


# aiosmtpd 1.4 itself sets the deprecated Session.login_data after every AUTH and logs a warning.
logging.getLogger("mail.log").setLevel(logging.ERROR)


def write_atomic(path, data):
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def decode(raw):
    """The parts a test reads, decoded: subject, from, to, html, text (empty when missing)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {"subject": str(msg.get("Subject", "")), "from": str(msg.get("From", "")),
           "to": str(msg.get("To", "")), "html": "", "text": ""}
    for kind in ("html", "plain"):
        part = msg.get_body(preferencelist=(kind,))
        if part is not None:
            out["html" if kind == "html" else "text"] = part.get_content()
    return out


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.seq = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook name)
        self.seq += 1
        base = os.path.join(self.directory, str(self.seq))
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        meta.update(decode(bytes(envelope.original_content)))
        write_atomic(base + ".json", json.dumps(meta).encode("utf-8"))
        write_atomic(base + ".eml", bytes(envelope.original_content))
        return "250 OK"


def accept_any(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=True)


async def serve(port, directory):
    loop = asyncio.get_running_loop()
    handler = Sink(directory)

    def factory():
        return SMTP(
            handler,
            hostname="basalt-smtp-sink",
            ident="basalt-smtp-sink",
            enable_SMTPUTF8=True,
            authenticator=accept_any,
            auth_require_tls=False,
            loop=loop,
        )

    server = await loop.create_server(factory, host="127.0.0.1", port=port)
    bound = server.sockets[0].getsockname()[1]
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"SMTP sink listening on 127.0.0.1:{bound}", flush=True)
    await stop.wait()
    server.close()
    try:
        await asyncio.wait_for(server.wait_closed(), timeout=2)
    except asyncio.TimeoutError:
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    asyncio.run(serve(args.port, args.dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
