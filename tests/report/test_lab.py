"""``parbook lab``: JupyterLab on notebooks/ with PARBOOK_DB; a notebook opened and run over REST."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
import uuid

import websocket

from parbook.commands.lab import lab_command, lab_env
from parbook.store.config import NOTEBOOKS_DIR

TOKEN = "parbook-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _api(port: int, path: str, method: str = "GET", body: dict | None = None, token: str = TOKEN) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"token {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else {}


def _execute(port: int, kernel_id: str, code: str) -> str:
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels?token={TOKEN}", timeout=60,
        suppress_origin=True)
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({"header": {"msg_id": msg_id, "username": "t", "session": uuid.uuid4().hex,
                                   "msg_type": "execute_request", "version": "5.3"},
                        "parent_header": {}, "metadata": {}, "channel": "shell",
                        "content": {"code": code, "silent": False, "store_history": False,
                                    "user_expressions": {}, "allow_stdin": False}}))
    out, deadline = [], time.time() + 60
    try:
        while time.time() < deadline:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            if msg["msg_type"] == "error":
                raise AssertionError(msg["content"]["evalue"])
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        ws.close()
    return "".join(out)


def test_lab_command_is_loopback_only() -> None:
    cmd = lab_command(8899, no_browser=True)
    assert "--ServerApp.ip=127.0.0.1" in cmd and "--ServerApp.port=8899" in cmd and "--no-browser" in cmd
    assert f"--ServerApp.root_dir={NOTEBOOKS_DIR}" in cmd
    assert lab_env("sqlite:////tmp/x.sqlite")["PARBOOK_DB"] == "sqlite:////tmp/x.sqlite"


def test_lab_opens_a_notebook_and_runs_the_kernel(tmp_path, fixture_commune) -> None:
    port = _free_port()
    env = {**lab_env(fixture_commune.url), "JUPYTER_TOKEN": TOKEN,
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws")}
    before = {p: p.stat().st_mtime_ns for p in NOTEBOOKS_DIR.glob("*.ipynb")}
    proc = subprocess.Popen(lab_command(port, no_browser=True), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                _api(port, "/api/status")
                break
            except OSError:
                time.sleep(0.5)
        content = _api(port, "/api/contents/00_tong_hop.ipynb?content=1")
        assert content["type"] == "notebook"
        tags = [c["metadata"].get("tags", []) for c in content["content"]["cells"]]
        assert ["parameters"] in tags
        session = _api(port, "/api/sessions", "POST", {"path": "00_tong_hop.ipynb", "type": "notebook",
                                                        "name": "", "kernel": {"name": "parbook"}})
        kernel = session["kernel"]["id"]
        out = _execute(port, kernel, "import os\nfrom parbook.report import notebook as nb\n"
                                     "w = nb.window_of('2024-Q3')\n"
                                     "print(os.environ['PARBOOK_DB'] == " + repr(fixture_commune.url) + ")\n"
                                     "print(w.start, os.getcwd())")
        assert out.splitlines()[0] == "True"
        assert "2024-06-15" in out and str(NOTEBOOKS_DIR) in out
        _api(port, f"/api/sessions/{session['id']}", "DELETE")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert {p: p.stat().st_mtime_ns for p in NOTEBOOKS_DIR.glob("*.ipynb")} == before
    assert os.environ.get("JUPYTER_TOKEN") != TOKEN


def test_lab_for_a_unit_and_period_prints_its_login_and_stops_with_sigterm(tmp_path, fixture_commune) -> None:
    """`parbook lab --unit … --period …` opens parameterised copies, prints a URL with a fresh token,
    and SIGTERM stops JupyterLab and its kernels with it (issue 18.8, 18.18)."""
    import signal
    import sys

    import psutil

    from tests.report import fixture_db

    port, copies = _free_port(), tmp_path / "lab"
    env = {k: v for k, v in os.environ.items() if k != "JUPYTER_TOKEN"}
    env.update({"JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
                "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws")})
    proc = subprocess.Popen([sys.executable, "-m", "parbook", "lab", "--db", fixture_commune.url,
                             "--unit", fixture_db.UNIT, "--period", "2024-q3", "--as-of", "2024-08-31",
                             "--out", str(copies), "--port", str(port), "--no-browser"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        url = next(line for line in lines if line.startswith("JupyterLab: ")).split()[1]
        assert url.startswith(f"http://127.0.0.1:{port}/lab?token=")
        token = url.split("token=")[1]
        assert len(token) >= 24 and token != TOKEN
        for _ in range(120):
            try:
                _api(port, "/api/status", token=token)
                break
            except OSError:
                time.sleep(0.5)
        body = {"path": "02_giai_quyet_tthc.ipynb", "type": "notebook", "name": "",
                "kernel": {"name": "parbook"}}
        session = _api(port, "/api/sessions", "POST", body, token=token)
        nb = _api(port, "/api/contents/02_giai_quyet_tthc.ipynb?content=1", token=token)["content"]
        injected = [c for c in nb["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
        assert len(injected) == 1
        source = injected[0]["source"]
        assert f'unit = "{fixture_db.UNIT}"' in source and 'period = "2024-Q3"' in source
        assert 'as_of = "2024-08-31"' in source
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 2                     # the server and the session's kernel
        assert session["kernel"]["id"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"left running: {[p.pid for p in alive]}"
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0      # nobody listens any more
