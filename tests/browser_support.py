"""What the browser tests share: finding Chromium, a JupyterLab server on 127.0.0.1, a network that is cut off.

Chromium is the system's (``.ci/run`` installs it with apt); Playwright only drives it, so ``playwright install``
is never needed. A test that cannot find one of them is skipped, saying what to install.
"""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]
SERVER_START_SECONDS = 90


def find_chromium():
    """The Chromium (or Chrome) executable to drive, or None."""
    candidates = [os.environ.get("DLCOURSE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser"), shutil.which("google-chrome")]
    return next((c for c in candidates if c and Path(c).is_file() and os.access(c, os.X_OK)), None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))


@contextlib.contextmanager
def chromium(viewport=None):
    """One headless Chromium (a fresh profile) as a Playwright browser context; skips the test without one."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Playwright package is not installed: pip install -e '.[test]' (or pip install playwright)")
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found (looked for $DLCOURSE_CHROMIUM, /usr/bin/chromium, chromium, "
                    "chromium-browser, google-chrome on PATH): sudo apt-get install chromium chromium-driver")
    profile = Path(tempfile.mkdtemp(prefix="dlcourse-chromium-"))
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(profile), executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
                viewport=viewport or {"width": 1400, "height": 1300}, device_scale_factor=1)
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def cut_off_network(context):
    """Let ``context`` load only from this machine (file:, data:, 127.0.0.1); returns the list of what it refused."""
    refused = []

    def route(route_):
        url = route_.request.url
        parts = urlsplit(url)
        if parts.scheme in ("file", "data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost"):
            route_.continue_()
        else:
            refused.append(url)
            route_.abort("internetdisconnected")

    context.route("**/*", route)
    return refused


@contextlib.contextmanager
def jupyterlab(base, served):
    """A JupyterLab server over the folder ``served``, its state kept in ``base``: yields (base URL, token)."""
    config, settings = base / "config", base / "settings"
    # the page stays still: no news or update checks, no workspace from an earlier session, every cell in the DOM
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    write_json(config / "labconfig" / "page_config.json",
               {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True,
                                       "@jupyterlab/extensionmanager-extension": True}})
    write_json(settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
               {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True})
    write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
               {"windowingMode": "none"})
    (config / "jupyter_server_config.py").write_text(
        "c.LabApp.news_url = None\n"
        "c.LabApp.check_for_updates_class = 'jupyterlab.NeverCheckForUpdate'\n"
        "c.LabApp.expose_app_in_browser = True\n"
        "c.ServerApp.allow_root = True\n"  # CI containers run as root
        f"c.LabApp.workspaces_dir = {str(base / 'workspaces')!r}\n"
        f"c.LabApp.user_settings_dir = {str(settings)!r}\n")
    port, token = free_port(), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel must draw inline, not with Agg
    env.update(JUPYTER_CONFIG_DIR=str(config), JUPYTER_DATA_DIR=str(base / "data"),
               JUPYTER_RUNTIME_DIR=str(base / "runtime"), JUPYTER_PLATFORM_DIRS="1", PYTHONNOUSERSITE="1")
    log_path = base / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={served}", "--ServerApp.open_browser=False"],
            cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
            yield url, token
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
