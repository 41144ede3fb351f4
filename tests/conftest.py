"""Shared fixtures: small real wav files and a local HTTP server."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]


def gaussian_problem(
    n_features: int, spread: float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Four overlapping Gaussian classes, float32 like the feature tables: 90 train, 30 test."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, spread, size=(4, n_features))
    labels = np.repeat(np.array(list("WLTN")), 30)
    features = centres[np.repeat(np.arange(4), 30)] + rng.normal(size=(120, n_features))
    order = rng.permutation(120)
    features, labels = features[order].astype(np.float32), labels[order]
    return features[:90], labels[:90], features[90:], labels[90:]


def write_tone(path: Path, seconds: float = 0.5, rate: int = 16000, freq: float = 220.0) -> Path:
    """A short sine tone as 16-bit PCM wav: real audio for unit tests."""
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, 0.3 * np.sin(2 * np.pi * freq * t), rate, subtype="PCM_16")
    return path


@pytest.fixture
def tone_dir(tmp_path: Path) -> Path:
    """A folder with two speakers × two emotions × two versions of EmoDB-named tones."""
    folder = tmp_path / "wav"
    folder.mkdir()
    for i, speaker in enumerate(["03", "08"]):
        for j, emotion in enumerate("WN"):
            for version in "ab":
                write_tone(
                    folder / f"{speaker}a01{emotion}{version}.wav", freq=150 + 50 * i + 20 * j
                )
    return folder


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves files from the server's folder; the first ``fail_first`` requests get a 503."""

    def do_GET(self):  # noqa: N802 - http.server's naming
        server = self.server
        server.requests += 1
        if server.requests <= server.fail_first:
            self.send_error(503, "try again")
            return
        super().do_GET()

    def translate_path(self, path: str) -> str:
        return str(Path(self.server.root) / path.lstrip("/").split("?")[0])

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def http_server(tmp_path: Path):
    """A real HTTP server on 127.0.0.1 serving ``served/``; yields (base_url, folder, server)."""
    root = tmp_path / "served"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.root, server.requests, server.fail_first = root, 0, 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root, server
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: what an offline machine sees."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/download.zip"
