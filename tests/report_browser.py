"""Open a Snakemake HTML report in headless Chromium and click through it like a reader.

Chromium is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands
on file descriptor 3, replies on 4, each a JSON message ending in a NUL byte), so that nothing
beyond Python's standard library and Debian's ``chromium`` package is needed.

Also a command-line check: ``python tests/report_browser.py results/report.html shot.png``
prints the report's landing text and saves a screenshot of it as ``shot.png``, then prints what
the report shows for its results matrix and saves a screenshot of a confusion matrix as
``shot.confusion.png``.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None when none is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class ReportBrowser:
    """A headless Chromium tab showing one report, with a few reader actions."""

    def __init__(self, report: Path, executable: str | None = None, timeout: float = 60.0):
        executable = executable or find_chromium()
        if executable is None:
            raise FileNotFoundError(
                "no chromium executable found (Debian: apt-get install chromium)"
            )
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="serflow-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def connect_pipes() -> None:  # in the child: the pipe ends become fds 3 and 4
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self._process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--remote-debugging-pipe",
                f"--user-data-dir={self._profile.name}",
                "--window-size=1400,1000",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=connect_pipes,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        target = self._command("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self._command(
            "Target.attachToTarget", {"targetId": target, "flatten": True}
        )["sessionId"]
        self._command("Page.navigate", {"url": report.resolve().as_uri()}, session=True)
        self.wait_for("typeof app !== 'undefined' && document.querySelector('nav, ul') !== null")

    def _command(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        """Send one DevTools command and return its result (events in between are skipped)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            while b"\0" not in self._buffer:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed its DevTools pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
        raise TimeoutError(f"chromium did not answer {method} within {self.timeout} s")

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the report's page."""
        result = self._command(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, condition: str) -> None:
        """Poll until a JavaScript condition holds (the report renders asynchronously)."""
        deadline = time.monotonic() + self.timeout
        while not self.evaluate(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the report never satisfied {condition!r}")
            time.sleep(0.1)

    def text(self) -> str:
        """The text that the page shows."""
        return self.evaluate("document.body.innerText")

    def landing_text(self) -> str:
        """The text of serflow's landing text (workflow/report/workflow.rst) as shown."""
        self.wait_for("document.querySelector('#serflow-landing') !== null")
        return self.evaluate(
            "document.querySelector('#serflow-landing').closest('.prose').innerText"
        )

    def _click_anchor(self, within: str, text: str) -> None:
        """Click the first link under the CSS selector ``within`` whose text is ``text``."""
        found = self.evaluate(
            f"""(() => {{
                const link = [...document.querySelectorAll({json.dumps(within + " a")})].find(
                    a => a.innerText.trim() === {json.dumps(text)});
                if (link) link.click();
                return Boolean(link);
            }})()"""
        )
        if not found:
            raise LookupError(f"no link {text!r} in:\n{self.text()}")

    def click_link(self, text: str) -> None:
        """Click the link of the page (not of the menu) whose text is ``text``."""
        self._click_anchor(".prose", text)

    def open_details(self) -> None:
        """Unfold every folded section (``<details>``) of the page."""
        self.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")

    def click_menu(self, label: str) -> None:
        """Click the navigation entry (category, subcategory) with this label."""
        self._click_anchor("body", label)

    def click_result(self, row_text: list[str], button: str) -> None:
        """In the results table, click the ``view`` or ``info`` button of the row whose cells
        include every string of ``row_text``."""
        index = {"view": 0, "info": 1}[button]
        found = self.evaluate(
            f"""(() => {{
                const wanted = {json.dumps(row_text)};
                const row = [...document.querySelectorAll('tr')].find(tr => {{
                    const cells = [...tr.querySelectorAll('td')].map(td => td.innerText.trim());
                    return wanted.every(w => cells.some(c => c.includes(w)));
                }});
                if (!row) return false;
                row.querySelectorAll('td:last-child a')[{index}].click();
                return true;
            }})()"""
        )
        if not found:
            raise LookupError(f"no result row with {row_text} in:\n{self.text()}")

    def shown_image(self) -> dict | None:
        """The image in the report's main panel: its source type and rendered size."""
        return self.evaluate(
            """(() => {
                const img = document.querySelector('img[src^="data:image/png"]');
                return img && img.complete ? {src: img.src.slice(0, 22),
                    width: img.naturalWidth, height: img.naturalHeight} : null;
            })()"""
        )

    def screenshot(self, path: Path) -> Path:
        """Save what the browser window shows as PNG."""
        data = self._command("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def reload(self) -> None:
        """Reload the report, back to its start page."""
        self._command("Page.reload", session=True)
        time.sleep(0.2)
        self.wait_for("typeof app !== 'undefined' && document.querySelector('nav, ul') !== null")

    def close(self) -> None:
        """End the browser (only the process this object started) and remove its profile."""
        try:
            self._command("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._profile.cleanup()

    def __enter__(self) -> ReportBrowser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def main(report: str, screenshot: str) -> None:
    """Print the landing text and screenshot it; print the results matrix as its category shows
    it; screenshot the first confusion matrix."""
    with ReportBrowser(Path(report)) as browser:
        print(browser.landing_text())
        print(browser.screenshot(Path(screenshot)))
        browser.click_menu("Results matrix")
        browser.wait_for("document.querySelectorAll('tr').length > 1")
        browser.click_result(["results_matrix"], "info")
        browser.wait_for("document.querySelector('table.docutils') !== null")
        print(browser.evaluate("document.querySelector('table.docutils').innerText"))
        browser.reload()
        browser.click_menu("Confusion matrices")
        browser.wait_for("document.querySelectorAll('tr').length > 1")
        browser.evaluate("document.querySelectorAll('td:last-child a')[0].click()")
        browser.wait_for("document.querySelector('img[src^=\"data:image/png\"]') !== null")
        print(browser.shown_image())
        print(browser.screenshot(Path(screenshot).with_suffix(".confusion.png")))


if __name__ == "__main__":
    main(*sys.argv[1:3])
