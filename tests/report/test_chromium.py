"""report.html in headless Chromium: nothing leaves the file, no script runs, the text is there."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import websocket

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


class DevTools:
    """A minimal Chrome DevTools Protocol client over the page's websocket."""

    def __init__(self, url: str) -> None:
        self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while not any(e.get("method") == method for e in self.events):
            if time.time() > deadline:
                raise TimeoutError(method)
            self.events.append(json.loads(self.ws.recv()))


def _load(cdp: DevTools, path: Path) -> tuple[list[str], dict, list[dict]]:
    """Navigate to a file; return every requested URL, page facts, and any JS dialog opened."""
    cdp.events.clear()
    cdp.call("Page.navigate", url=path.as_uri())
    cdp.wait_for("Page.loadEventFired")
    time.sleep(0.3)
    result = cdp.call("Runtime.evaluate", returnByValue=True, expression=(
        "JSON.stringify({scripts: document.scripts.length, text: document.body.innerText, "
        "images: Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length})"))
    urls = [e["params"]["request"]["url"] for e in cdp.events
            if e.get("method") == "Network.requestWillBeSent"]
    dialogs = [e for e in cdp.events if e.get("method") == "Page.javascriptDialogOpening"]
    return urls, json.loads(result["result"]["value"]), dialogs


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test-deps)")
def test_report_html_is_self_contained(report_dir: Path, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    proc = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        import urllib.request

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            page = next(t for t in json.load(resp) if t["type"] == "page")
        cdp = DevTools(page["webSocketDebuggerUrl"])
        cdp.call("Network.enable")
        cdp.call("Page.enable")
        urls, info, dialogs = _load(cdp, report_dir / "report.html")
        assert urls == [(report_dir / "report.html").as_uri()] + [u for u in urls if u.startswith("data:")]
        assert not dialogs and info["scripts"] == 0 and info["images"] >= 3
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in info["text"] and "BÁO CÁO" in info["text"]
        audit = report_dir / "audit" / "03_hai_long_va_pakn.html"     # PAKN subject: <script>…
        urls, info, dialogs = _load(cdp, audit)
        assert all(u.startswith("data:") or u == audit.as_uri() for u in urls) and not dialogs
        assert info["scripts"] == 0 and "<script>alert(1)</script>" in info["text"]   # shown as text
        cdp.ws.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
