#!/usr/bin/python3
"""Drives the finance dashboard in headless Chromium, as a finance clerk would, for dashboard_e2e_test.cpp.

Speaks the Chrome DevTools protocol over a websocket (python3-websocket): opens the login page, types the
key (from the environment variable KESSAI_DASHBOARD_KEY, so it never shows in a process list), submits,
waits until the figures are drawn, takes a screenshot, reads the figures' text, then resolves one open
exception through its inline form and waits until the queue shows it resolved.

Writes into --out: shot.png (the screenshot) and result.json (what the page showed, before and after;
the browser's console errors and uncaught exceptions). Exit status 0 when every step worked, 1 otherwise
(the reason on stderr, result.json as far as it got).
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

STEP_TIMEOUT_S = 60  # a step (a page load, a resolve) that takes longer has failed
POLL_INTERVAL_S = 0.1
WIDTH, HEIGHT = 1280, 2000


class StepFailed(Exception):
    pass


class DevTools:
    """One page's DevTools session: commands with their answers, events kept for later."""

    def __init__(self, websocket_url):
        # Chromium refuses websocket clients that send an Origin it does not allow; this one sends none.
        self.socket = websocket.create_connection(websocket_url, timeout=STEP_TIMEOUT_S, suppress_origin=True)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        request_id = self.next_id
        self.socket.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == request_id:
                if "error" in message:
                    raise StepFailed(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def evaluate(self, expression, await_promise=False):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=await_promise)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise StepFailed(f"evaluating {expression!r}: {text}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression, what):
        """Polls until the expression is truthy; a page being replaced meanwhile is not an error."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
                if value:
                    return value
            except StepFailed as error:
                last_error = error
            time.sleep(POLL_INTERVAL_S)
        raise StepFailed(f"timed out waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))

    def click(self, selector):
        """A real mouse click at the element's centre, as a person would."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null;"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()")
        if not box:
            raise StepFailed(f"nothing to click at {selector}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1)

    def type_into(self, selector, text):
        if not self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                             " if (!e) return false; e.focus(); return document.activeElement === e; })()"):
            raise StepFailed(f"cannot focus {selector}")
        self.call("Input.insertText", text=text)

    def problems(self):
        """Uncaught exceptions and console errors (a Content-Security-Policy violation is one)."""
        found = []
        for event in self.events:
            params = event.get("params", {})
            if event["method"] == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                found.append("exception: " + (details.get("exception", {}).get("description") or details.get("text", "")))
            elif event["method"] == "Runtime.consoleAPICalled" and params.get("type") == "error":
                found.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif event["method"] == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                found.append(f"log: {entry.get('text', '')} {entry.get('url', '')}".strip())
        return found


def start_chromium(chromium, profile_dir, log_path):
    log = open(log_path, "wb")
    process = subprocess.Popen(
        [chromium, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={profile_dir}", "--no-sandbox",
         f"--window-size={WIDTH},{HEIGHT}", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
         "--disable-extensions", "--disable-background-networking", "--hide-scrollbars", "--lang=ja-JP",
         "about:blank"],
        stdout=log, stderr=subprocess.STDOUT)
    port_file = os.path.join(profile_dir, "DevToolsActivePort")
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StepFailed(f"chromium exited with status {process.returncode}; see {log_path}")
        try:
            with open(port_file) as f:
                lines = f.read().split("\n")
            if len(lines) >= 2 and lines[0].strip().isdigit():
                return process, int(lines[0])
        except FileNotFoundError:
            pass
        time.sleep(POLL_INTERVAL_S)
    raise StepFailed("chromium wrote no DevToolsActivePort")


def page_websocket_url(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.load(response)
    for target in targets:
        if target.get("type") == "page":
            return target["webSocketDebuggerUrl"]
    raise StepFailed("chromium has no page to drive")


def save_screenshot(page, path, full_height=None):
    params = {"format": "png", "captureBeyondViewport": full_height is not None}
    if full_height is not None:
        params["clip"] = {"x": 0, "y": 0, "width": WIDTH, "height": full_height, "scale": 1}
    shot = page.call("Page.captureScreenshot", **params)
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))


FIGURES_JS = """(() => {
  const text = (id) => (document.getElementById(id) || {innerText: null}).innerText;
  return {net: text('figure-net'), payments: text('figure-payments'), open: text('figure-open'),
          recon: text('figure-recon'), viewer: text('viewer-name'), date: document.body.dataset.date,
          body: document.body.innerText};
})()"""


def drive(page, base_url, key, note, out_dir, result):
    page.call("Page.enable")
    page.call("Runtime.enable")
    page.call("Log.enable")
    page.call("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1, mobile=False)

    print("opening the login page", file=sys.stderr)
    page.call("Page.navigate", url=base_url + "/dashboard")
    page.wait_for("document.readyState === 'complete' && !!document.getElementById('api_key')", "the login form")
    save_screenshot(page, os.path.join(out_dir, "login.png"))
    page.type_into("#api_key", key)
    page.click("#login-button")

    print("logged in; waiting for the figures", file=sys.stderr)
    page.wait_for("document.body && document.body.dataset.state === 'ready'", "the dashboard's figures")
    page.evaluate("document.fonts.ready.then(() => true)", await_promise=True)
    result["before"] = page.evaluate(FIGURES_JS)
    result["cookie_visible_to_script"] = page.evaluate("document.cookie.includes('kessai_session')")

    save_screenshot(page, os.path.join(out_dir, "shot.png"))
    # The whole page too, for a person to look at (the test reads shot.png, the first screen).
    page_height = page.evaluate("document.documentElement.scrollHeight")
    save_screenshot(page, os.path.join(out_dir, "page.png"), full_height=page_height)
    print("screenshots taken", file=sys.stderr)

    exception_id = page.evaluate(
        "(() => { const b = document.querySelector('button[data-resolve]'); return b ? b.dataset.resolve : null; })()")
    if not exception_id:
        raise StepFailed("no open exception to resolve")
    result["resolved_id"] = int(exception_id)
    page.click(f"button[data-resolve='{exception_id}']")
    page.wait_for(f"!!document.getElementById('note-{exception_id}')", "the resolve form")
    page.type_into(f"#note-{exception_id}", note)
    page.click(f"form[data-exception='{exception_id}'] .resolve-submit")
    page.wait_for(
        f"(() => {{ const r = document.querySelector(\"tr[data-exception='{exception_id}']\");"
        " return document.body.dataset.state === 'ready' && r && r.dataset.status === 'resolved'; })()",
        "the queue to show the exception resolved")
    result["after"] = page.evaluate(FIGURES_JS)
    print(f"resolved exception {exception_id}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="kessaid's base URL, http://127.0.0.1:PORT")
    parser.add_argument("--out", required=True, help="directory for shot.png and result.json")
    parser.add_argument("--note", required=True, help="the resolution note to type")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    key = os.environ.get("KESSAI_DASHBOARD_KEY", "")
    if not key:
        print("set KESSAI_DASHBOARD_KEY to the finance key", file=sys.stderr)
        return 2

    result = {}
    profile_dir = tempfile.mkdtemp(prefix="kessai-chromium-")
    process = None
    status = 1
    try:
        process, port = start_chromium(args.chromium, profile_dir, os.path.join(args.out, "chromium.log"))
        page = DevTools(page_websocket_url(port))
        try:
            drive(page, args.url, key, args.note, args.out, result)
            status = 0
        finally:
            result["problems"] = page.problems()
    except (StepFailed, OSError, websocket.WebSocketException) as error:
        print(f"dashboard_browser: {error}", file=sys.stderr)
        result["failure"] = str(error)
    finally:
        with open(os.path.join(args.out, "result.json"), "w") as f:
            json.dump(result, f, ensure_ascii=False, indent=2)
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(profile_dir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
