import hashlib

import pytest

from serflow.download import DownloadError, download


def test_download_from_a_local_server_with_checksum(http_server, tmp_path):
    url, root, _ = http_server
    payload = b"emodb zip bytes" * 1000
    (root / "download.zip").write_bytes(payload)
    dest = download(
        f"{url}/download.zip",
        tmp_path / "got" / "download.zip",
        sha256=hashlib.sha256(payload).hexdigest(),
    )
    assert dest.read_bytes() == payload


def test_transient_server_errors_are_retried(http_server, tmp_path):
    url, root, server = http_server
    (root / "download.zip").write_bytes(b"abc")
    server.fail_first = 2
    download(f"{url}/download.zip", tmp_path / "d.zip", retries=3, backoff_s=0.01)
    assert (tmp_path / "d.zip").read_bytes() == b"abc" and server.requests == 3


def test_checksum_mismatch_removes_the_file(http_server, tmp_path):
    url, root, _ = http_server
    (root / "download.zip").write_bytes(b"tampered")
    with pytest.raises(DownloadError, match="checksum mismatch"):
        download(f"{url}/download.zip", tmp_path / "out" / "d.zip", sha256="0" * 64)
    assert list((tmp_path / "out").iterdir()) == []


def test_missing_file_is_not_retried(http_server, tmp_path):
    url, _, server = http_server
    with pytest.raises(DownloadError, match="404"):
        download(f"{url}/nothing.zip", tmp_path / "d.zip", retries=3, backoff_s=0.01)
    assert server.requests == 1


def test_offline_error_says_how_to_give_a_local_copy(closed_port_url, tmp_path):
    with pytest.raises(DownloadError, match="offline.*corpus.path") as error:
        download(
            closed_port_url,
            tmp_path / "d.zip",
            retries=2,
            backoff_s=0.01,
            local_hint="Set corpus.path to a local copy.",
        )
    assert "after 2 attempt(s)" in str(error.value)
    assert list(tmp_path.iterdir()) == []
