"""A local webhook receiver (http.server) and SMTP server (aiosmtpd) on 127.0.0.1, random ports."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class WebhookReceiver:
    posts: list[tuple[str, dict]] = field(default_factory=list)  # (path, JSON body)
    status: int = 200  # what the next POSTs get back

    def start(self) -> tuple[ThreadingHTTPServer, int]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                assert self.headers["Content-Type"] == "application/json"
                if receiver.status == 200:
                    receiver.posts.append((self.path, json.loads(body)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):  # keep the test output clean
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, server.server_address[1]


@dataclass
class MailCollector:
    """An aiosmtpd handler that keeps every message and the credentials it logged in with."""

    user: str
    password: str
    messages: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode())
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode(),
            auth_data.password.decode(),
        ) == (self.user, self.password)
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    def start(self) -> tuple[Controller, int]:
        port = free_port()
        controller = Controller(
            self,
            hostname="127.0.0.1",
            port=port,
            authenticator=self.authenticate,
            auth_require_tls=False,  # a local test server without a certificate
            auth_required=True,
        )
        controller.start()
        return controller, port


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
