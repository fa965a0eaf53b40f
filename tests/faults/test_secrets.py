"""Secrets never leave: fault cases and bad inputs with recognisable tokens, every byte of output
scanned; TLS stays verified.

The scan covers stdout, stderr, every file the run leaves behind (DuckDB file, logs) except the config files we
wrote. One exclusion, by protocol design: CONTROL messages carry the refreshed OAuth config
(connectorConfig.config) so the platform can persist it; their lines are left out of the stdout scan.
"""

from __future__ import annotations

import base64
import http.server
import io
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import quote

import orjson
import pytest

from source_pipedrive.cli import main
from tests.kit import bad_inputs
from tests.kit.bad_inputs import BAD_CATALOGS, BAD_CONFIGS, BAD_STATES
from tests.kit.cli import catalog_for, child_env, spawn, write_json
from tests.kit.faults import During

TOKEN = bad_inputs.TOKEN  # "sekret-TOKEN-7f3a9c"
CATALOG = catalog_for(["deals", "persons", "leads", "users", "stages"], mode="incremental")


def variants(secret: str) -> list[bytes]:
    """The forms a leaked secret takes: plain, URL-encoded, JSON-escaped."""
    return list({secret.encode(), quote(secret, safe="").encode(), orjson.dumps(secret)[1:-1]})


def scan(blob: bytes, secrets: list[str], where: str) -> list[str]:
    return [f"{where}: {s[:10]}..." for s in secrets for v in variants(s) if v in blob]


def without_control(stdout: bytes) -> bytes:
    return b"\n".join(line for line in stdout.splitlines() if not line.startswith(b'{"type":"CONTROL"'))


@pytest.fixture
def secret_sandbox():
    from pipedrive_sandbox import Sandbox

    with Sandbox(scale="small", seed=9, token=TOKEN, fault_rate=0.05, faults=("5xx", "drop", "truncate")) as sb:
        yield sb


def all_secrets(sb) -> list[str]:
    basic = base64.b64encode(f"{sb.oauth['client_id']}:{sb.oauth['client_secret']}".encode()).decode()
    return [TOKEN, sb.oauth["client_secret"], sb.oauth["refresh_token"], basic,
            bad_inputs.CLIENT_SECRET, bad_inputs.REFRESH]


def run_child(args: list[str], cwd: Path, **env: str) -> tuple[int, bytes, bytes]:
    proc = spawn(args, cwd=cwd, env=child_env(**env))
    out, err = proc.communicate(timeout=240)
    return proc.returncode, out, err


def test_no_secret_in_any_output_of_the_fault_cases_or_the_duckdb_file(secret_sandbox, tmp_path):
    """Fault-matrix cases as child processes (stdout, stderr), then a sync whose DuckDB file is scanned too.
    CONTROL lines are left out of the stdout scan: by protocol they carry the refreshed OAuth config."""
    sb = secret_sandbox
    secrets = all_secrets(sb)
    work = tmp_path / "work"
    work.mkdir()
    cfg_dir = tmp_path / "configs"
    cfg_dir.mkdir()
    api = write_json(cfg_dir / "api.json",
                     {"credentials": {"auth_type": "api_token", "api_token": TOKEN}, "base_url": sb.url})
    oauth = write_json(cfg_dir / "oauth.json", {"credentials": {"auth_type": "oauth2", **sb.oauth}, "base_url": sb.url})
    wrong_secret = write_json(cfg_dir / "wrong.json", {"credentials": {
        "auth_type": "oauth2", "client_id": sb.oauth["client_id"], "client_secret": bad_inputs.CLIENT_SECRET,
        "refresh_token": bad_inputs.REFRESH}, "base_url": sb.url})
    catalog = write_json(cfg_dir / "catalog.json", CATALOG)
    hits: list[str] = []
    timings: list[tuple] = []

    def child(args: list[str], name: str, timeout: str = "30") -> bytes:
        t0 = time.monotonic()
        code, out, err = run_child(args, work, SOURCE_PIPEDRIVE_TIMEOUT=timeout)
        timings.append((name, code, round(time.monotonic() - t0, 2)))
        hits.extend(scan(without_control(out), secrets, f"{name} stdout"))
        hits.extend(scan(err, secrets, f"{name} stderr"))
        assert b"Traceback" not in out, name
        return out

    child(["check", "--config", api], "check")
    child(["discover", "--config", api], "discover")
    child(["read", "--config", api, "--catalog", catalog], "read with 5xx, drops, truncation")
    with During(lambda: sb.stats()["total_requests"] >= 4, sb.expire_oauth_tokens, repeat=2, gap=0.3):
        out = child(["read", "--config", oauth, "--catalog", catalog], "oauth read, tokens expiring")
    assert b'"type":"CONTROL"' in out, "the OAuth case must exercise a refresh"
    child(["read", "--config", wrong_secret, "--catalog", catalog], "oauth refresh refused")
    sb.configure(faults=["latency"], fault_rate=0.1, latency_spike_ms=800)
    child(["read", "--config", api, "--catalog", catalog], "read with timeouts", timeout="0.3")
    sb.configure(fault_rate=0.0, daily_tokens=40)
    child(["read", "--config", api, "--catalog", catalog], "daily budget out")
    sb.configure(daily_tokens=None)
    sb.deny("/api/v2/persons")  # a 403 scope error's message and trace too
    child(["sync", "--config", api, "--db", str(work / "pipedrive.duckdb"), "--json"], "sync with a scope error")
    child(["read", "--config", oauth, "--catalog", catalog], "oauth read with a scope error")
    sb.revoke(TOKEN)
    child(["read", "--config", api, "--catalog", catalog], "revoked token")
    child(["sync", "--config", api, "--db", str(work / "pipedrive.duckdb")], "sync with a revoked token")

    files = [p for p in work.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in files), "the sync left no DuckDB file to scan"
    for path in files:
        hits.extend(scan(path.read_bytes(), secrets, f"file {path.name}"))
    print(f"[faults] secret scan: {len(timings)} child runs, {len(files)} files, {len(hits)} hits; {timings}")
    assert hits == []


def test_no_secret_in_any_answer_to_a_bad_input(tmp_path, capfd):
    """Every bad config/catalog/state case, with the recognisable secrets in its config, in-process
    (stdout from the writer, stderr through capfd)."""
    secrets = [TOKEN, bad_inputs.CLIENT_SECRET, bad_inputs.REFRESH]
    hits: list[str] = []
    runs = 0
    for bad in BAD_CONFIGS + BAD_CATALOGS + BAD_STATES:
        for command in ("check", "discover", "read") if bad in BAD_CONFIGS else ("read",):
            runs += 1
            inputs = bad_inputs.cli_inputs(bad)
            argv = [command, "--config", write_json(tmp_path / "bad.json", inputs["config"])]
            if command == "read":
                argv += ["--catalog", write_json(tmp_path / "bad-cat.json", inputs["catalog"])]
                if inputs["state"] is not None:
                    argv += ["--state", write_json(tmp_path / "bad-state.json", inputs["state"])]
            out = io.BytesIO()
            main(argv, out=out)
            captured = capfd.readouterr()
            hits.extend(scan(without_control(out.getvalue()), secrets, f"bad {bad.id} {command}"))
            hits.extend(scan(captured.err.encode() + captured.out.encode(), secrets, f"bad {bad.id} {command} stderr"))
    assert runs >= 150
    assert hits == []


# -- transport safety -------------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).seen.append(self.headers.get("x-api-token") or self.headers.get("authorization") or "")
        body = b'{"success": true, "data": {"id": 1, "company_name": "mitm"}}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _TLSServer(http.server.ThreadingHTTPServer):
    """Counts connection attempts; a failed handshake is expected, not an error to print."""

    def __init__(self, *args, **kwargs):
        self.accepted: list[object] = []
        super().__init__(*args, **kwargs)

    def get_request(self):
        conn, addr = self.socket.accept()
        self.accepted.append(addr)
        return conn, addr

    def handle_error(self, request, client_address):
        pass


def _serve(server) -> threading.Thread:
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return t


def _non_loopback_ip() -> str | None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        ip = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if ip.startswith("127.") else ip


def test_plain_http_to_a_non_loopback_host_never_sends_the_token(cli):
    ip = _non_loopback_ip()
    if ip is None:
        pytest.skip("no non-loopback interface")
    handler = type("Rec", (_Recorder,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), handler)
    _serve(server)
    try:
        config = {"credentials": {"auth_type": "api_token", "api_token": TOKEN},
                  "base_url": f"http://{ip}:{server.server_address[1]}"}
        for run in (cli("check", config), cli("discover", config), cli("read", config, CATALOG)):
            assert TOKEN.encode() not in run.raw
            text = run.raw.decode().lower()
            assert "http" in text and ("https" in text or "loopback" in text)
        assert handler.seen == [], "a request with credentials went out over plain http"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory) -> tuple[str, str]:
    tmp = tmp_path_factory.mktemp("tls")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)],
                       check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("openssl is not available to make a self-signed certificate")
    return str(cert), str(key)


def test_tls_verification_stays_on_for_a_self_signed_loopback_server(cli, self_signed):
    """An https base_url to a server with a self-signed certificate fails clearly; no request reaches it,
    and a certificate failure is not retried like a flaky network (it will not heal by itself)."""
    handler = type("Rec", (_Recorder,), {"seen": []})
    server = _TLSServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*self_signed)
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    handshakes = server.accepted
    _serve(server)
    try:
        config = {"credentials": {"auth_type": "api_token", "api_token": TOKEN},
                  "base_url": f"https://127.0.0.1:{server.server_address[1]}"}
        run = cli("check", config)
        (status,) = run.of("CONNECTION_STATUS")
        assert status["connectionStatus"]["status"] == "FAILED"
        message = status["connectionStatus"]["message"].lower()
        assert "certificate" in message or "ssl" in message or "tls" in message, message
        assert handler.seen == [], "TLS verification is off: the request reached a self-signed server"
        assert TOKEN.encode() not in run.raw
        assert len(handshakes) <= 1, f"a certificate failure was retried {len(handshakes) - 1} times"
    finally:
        server.shutdown()
