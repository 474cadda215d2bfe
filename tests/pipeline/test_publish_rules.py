"""publish's rules as units: where credentials may go, where they come from, which tag may
release, what an index page says. (`test_publish.py` runs `make publish` on built clones.)"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from toggl_pipeline import publish, versions
from toggl_pipeline.layout import Distribution, Layout

from tests.pipeline.clones import git, init

LAYOUT = Layout.here()
SDK = LAYOUT.distributions[0]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://upload.pypi.org/legacy/", True),
        ("https://10.0.0.1/", True),
        ("http://127.0.0.1:8080/", True),
        ("http://127.0.0.2/", True),
        ("http://[::1]:8080/", True),
        ("http://localhost:8080/", True),
        ("http://upload.pypi.org/legacy/", False),
        ("http://10.0.0.1/", False),
        ("ftp://127.0.0.1/", False),
        ("sftp://upload.example/", False),
        ("sftp://127.0.0.1/", False),
        ("ws://localhost/", False),
        ("wss://upload.example/", False),
        ("http:///nohost", False),
    ],
)
def test_credentials_go_only_over_https_or_to_loopback(url: str, allowed: bool) -> None:
    if allowed:
        publish.check_upload_url(url)
    else:
        with pytest.raises(publish.Refused, match="must be https://"):
            publish.check_upload_url(url)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("TWINE_USERNAME", "TWINE_PASSWORD", "PYPI_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL",
                 "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "RELEASE_TAG"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_credentials_come_from_twine_s_variables_or_a_token(
    no_credentials: pytest.MonkeyPatch,
) -> None:
    assert publish.credentials() is None
    assert publish.trusted_publishing_token() is None  # not in GitHub Actions
    no_credentials.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example/?x=1")
    assert publish.trusted_publishing_token() is None  # a URL without its token is not enough
    no_credentials.delenv("ACTIONS_ID_TOKEN_REQUEST_URL")
    no_credentials.setenv("PYPI_TOKEN", "pypi-abc")
    assert publish.credentials() == {"TWINE_USERNAME": "__token__", "TWINE_PASSWORD": "pypi-abc"}
    no_credentials.setenv("TWINE_PASSWORD", "secret")
    assert publish.credentials() == {"TWINE_USERNAME": "__token__", "TWINE_PASSWORD": "secret"}
    no_credentials.setenv("TWINE_USERNAME", "me")
    assert publish.credentials() == {"TWINE_USERNAME": "me", "TWINE_PASSWORD": "secret"}


def test_a_release_tag_must_name_the_sdk_s_version(no_credentials: pytest.MonkeyPatch) -> None:
    publish.check_tag(LAYOUT)  # no tag: nothing to check
    version = versions.read(SDK)
    no_credentials.setenv("RELEASE_TAG", f"v{version}")
    publish.check_tag(LAYOUT)
    no_credentials.setenv("RELEASE_TAG", f"v{version}.1")
    with pytest.raises(
        publish.Refused, match=f"does not name toggl-track-client's version {version}"
    ):
        publish.check_tag(LAYOUT)


@pytest.fixture
def index() -> Iterator[str]:
    """A simple index that lists one file of the SDK and knows no other project."""

    class Index(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == f"/simple/{SDK.name}/":
                body = b'<a href="x">toggl_track_client-9.9.9.tar.gz</a>'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(
                    404 if "missing" in self.path else 403 if "forbidden" in self.path else 500
                )

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple"
    finally:
        server.shutdown()
        server.server_close()


def test_the_index_page_says_whether_a_version_is_out(index: str) -> None:
    out, new = Path("toggl_track_client-9.9.9.tar.gz"), Path("toggl_track_client-9.9.10.tar.gz")
    assert publish.published(index, SDK, [new, out])
    assert publish.published(index + "/", SDK, [out])
    assert not publish.published(index, SDK, [new])
    assert not publish.published(index + "/missing", SDK, [out])  # 404: never published
    with pytest.raises(Exception, match="500"):
        publish.published(index + "/broken", SDK, [out])  # any other error is not a "no"
    with pytest.raises(Exception, match="403"):
        publish.published(index + "/forbidden", SDK, [out])


# --- what dist/ holds, and the plan ---------------------------------------------------------------


def built_tree(root: Path, files: dict[str, bytes] | None = None) -> Layout:
    """A checkout's version files, and dist/ with the files a build of them made (recorded)."""
    layout = Layout(root)
    (root / "sdk").mkdir(parents=True)
    for dist in LAYOUT.distributions:
        target = layout.root / dist.version_file.relative_to(LAYOUT.root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(dist.version_file.read_bytes())
    if files is None:
        files = {}
        for dist in layout.distributions:
            prefix = f"{dist.name.replace('-', '_')}-{versions.read(dist)}"
            files |= {f"{prefix}-py3-none-any.whl": prefix.encode(), f"{prefix}.tar.gz": b"sdist"}
    layout.dist.mkdir()
    layout.build.mkdir()
    for name, content in files.items():
        (layout.dist / name).write_bytes(content)
    layout.dist_manifest.write_text("".join(
        f"{hashlib.sha256(content).hexdigest()}  {name}\n" for name, content in files.items()
    ))  # fmt: skip
    return layout


def test_the_files_a_build_recorded_are_verified_and_grouped(tmp_path: Path) -> None:
    layout = built_tree(tmp_path)
    grouped = publish.verified_files(layout)
    assert [dist.name for dist in grouped] == [d.name for d in LAYOUT.distributions]
    for dist, files in grouped.items():
        version = versions.read(dist)
        assert sorted(p.name for p in files) == sorted(
            [
                f"{dist.name.replace('-', '_')}-{version}-py3-none-any.whl",
                f"{dist.name.replace('-', '_')}-{version}.tar.gz",
            ]
        )
        assert all(p.parent == layout.dist for p in files)


def test_without_a_build_record_nothing_is_verified(tmp_path: Path) -> None:
    layout = built_tree(tmp_path)
    layout.dist_manifest.unlink()
    with pytest.raises(
        publish.Refused, match=r"^no dist.sha256 from `make build`: run `make build`$"
    ):
        publish.verified_files(layout)


def test_a_file_the_build_did_not_make_or_a_missing_one_is_refused(tmp_path: Path) -> None:
    layout = built_tree(tmp_path)
    (layout.dist / "extra.whl").write_bytes(b"x")
    with pytest.raises(publish.Refused, match=r"did not make: \['extra.whl'\]$"):
        publish.verified_files(layout)
    (layout.dist / "extra.whl").unlink()
    first = sorted(layout.dist.iterdir())[0]
    first.unlink()
    with pytest.raises(
        publish.Refused, match=rf"lacks files `make build` made: \['{first.name}'\]$"
    ):
        publish.verified_files(layout)
    shutil.rmtree(layout.dist)
    with pytest.raises(publish.Refused, match="lacks files"):
        publish.verified_files(layout)


def test_a_changed_file_is_refused(tmp_path: Path) -> None:
    layout = built_tree(tmp_path)
    last = sorted(layout.dist.iterdir())[-1]
    last.write_bytes(last.read_bytes() + b"!")
    with pytest.raises(
        publish.Refused, match=rf"^dist/{last.name} is not the file `make build` made"
    ):
        publish.verified_files(layout)


@pytest.mark.parametrize("left_out", ["whl", "tar.gz"])
def test_each_distribution_needs_its_wheel_and_its_sdist_of_this_version(
    tmp_path: Path, left_out: str
) -> None:
    sdk = f"toggl_track_client-{versions.read(SDK)}"
    files = {f"{sdk}-py3-none-any.whl": b"w", f"{sdk}.tar.gz": b"s"}
    files.pop(next(name for name in files if name.endswith(left_out)))
    files["toggl_track_client-0.0.1-py3-none-any.whl"] = b"old"
    layout = built_tree(tmp_path, files)
    with pytest.raises(
        publish.Refused,
        match=rf"^dist/ does not hold toggl-track-client {versions.read(SDK)} \(wheel and sdist\)",
    ):
        publish.verified_files(layout)


def test_a_version_that_only_begins_the_same_is_not_this_version(tmp_path: Path) -> None:
    layout = built_tree(tmp_path)
    version = versions.read(SDK)
    for name in (
        f"toggl_track_client-{version}1-py3-none-any.whl",
        f"toggl_track_client-{version}.tar.gz.asc",
    ):
        (layout.dist / name).write_bytes(b"x")
    layout.dist_manifest.write_text(layout.dist_manifest.read_text() + "".join(
        f"{hashlib.sha256(b'x').hexdigest()}  {name}\n"
        for name in (f"toggl_track_client-{version}1-py3-none-any.whl", f"toggl_track_client-{version}.tar.gz.asc")
    ))  # fmt: skip
    sdk = next(
        files for dist, files in publish.verified_files(layout).items() if dist.name == SDK.name
    )
    assert sorted(p.name for p in sdk) == [f"toggl_track_client-{version}-py3-none-any.whl",
                                           f"toggl_track_client-{version}.tar.gz"]  # fmt: skip


def test_the_plan_uploads_what_is_new_and_skips_an_unchanged_emulator(
    tmp_path: Path, index: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = built_tree(tmp_path)
    plan = publish.upload_plan(layout, index + "/missing")
    assert len(plan) == 6
    listed = {LAYOUT.distributions[1].name: "emulator", SDK.name: "sdk"}

    def published(index_url: str, dist: Distribution, files: list[Path]) -> bool:
        return dist.name in listed

    monkeypatch.setattr(publish, "published", published)
    with pytest.raises(
        publish.Refused, match=f"^toggl-track-client {versions.read(SDK)} is already on x$"
    ):
        publish.upload_plan(layout, "x")
    del listed[SDK.name]
    plan = publish.upload_plan(layout, "x")
    assert sorted(p.name for p in plan) == sorted(
        p.name for d, files in publish.verified_files(layout).items() if d.name != LAYOUT.distributions[1].name
        for p in files
    )  # fmt: skip
    emulator = LAYOUT.distributions[1]
    assert capsys.readouterr().out == (
        f"publish: {emulator.name} {versions.read(emulator)} is already on x: skipped\n"
    )


# --- a run of `make publish` ------------------------------------------------------------------------


@pytest.fixture
def checkout(tmp_path: Path, no_credentials: pytest.MonkeyPatch) -> Layout:
    layout = built_tree(tmp_path)
    (tmp_path / "openapi.yaml").touch()
    no_credentials.chdir(tmp_path)
    no_credentials.setattr(publish, "check_tree", lambda layout: None)  # `test_publish.py` runs it
    return layout


def test_without_credentials_publish_says_what_it_would_upload(
    checkout: Layout,
    index: str,
    no_credentials: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    no_credentials.setenv("PUBLISH_INDEX_URL", index + "/missing")
    no_credentials.setenv("PUBLISH_UPLOAD_URL", "http://127.0.0.1:1/")
    assert publish.main() == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "publish: dry run (no credentials): would upload to http://127.0.0.1:1/:"
    assert sorted(lines[1:]) == sorted(f"  {p.name}" for p in checkout.dist.iterdir())


def test_publish_looks_versions_up_in_the_index_it_is_given(
    checkout: Layout, index: str, no_credentials: pytest.MonkeyPatch
) -> None:
    no_credentials.setenv("PUBLISH_INDEX_URL", index + "/broken")  # answers 500
    with pytest.raises(urllib.error.HTTPError, match="500"):
        publish.main()


def test_publish_refuses_before_anything_when_a_check_fails(
    checkout: Layout, no_credentials: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    no_credentials.setenv("PUBLISH_UPLOAD_URL", "http://upload.example/")
    assert publish.main() == 1
    assert capsys.readouterr().err == (
        "publish: refused: the upload URL must be https:// (or http:// on loopback), not "
        "http://upload.example\n"
    )
    no_credentials.delenv("PUBLISH_UPLOAD_URL")
    no_credentials.setenv("RELEASE_TAG", "v0.0.0")
    assert publish.main() == 1
    assert "publish: refused: the tag v0.0.0" in capsys.readouterr().err


def test_publish_uploads_with_twine_given_credentials(
    checkout: Layout,
    index: str,
    no_credentials: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []
    exits = [0, 1, -9]  # done, failed, killed by a signal

    def twine(command: list[str], cwd: Path, env: dict[str, str], check: bool) -> object:
        calls.append((command, env))
        code = exits[len(calls) - 1]
        if check and code:
            raise subprocess.CalledProcessError(code, command)
        return type("Done", (), {"returncode": code})()

    no_credentials.setattr(subprocess, "run", twine)
    no_credentials.setenv("PUBLISH_INDEX_URL", index + "/missing")
    no_credentials.setenv("PYPI_TOKEN", "pypi-secret")
    assert publish.main() == 0
    command, env = calls[0]
    assert command[:8] == [sys.executable, "-m", "twine", "upload", "--non-interactive",
                           "--disable-progress-bar", "--repository-url", publish.PYPI_UPLOAD]  # fmt: skip
    assert sorted(Path(p).name for p in command[8:]) == sorted(
        p.name for p in checkout.dist.iterdir()
    )
    assert env["TWINE_PASSWORD"] == "pypi-secret" and env["TWINE_USERNAME"] == "__token__"
    out = capsys.readouterr().out
    assert out.startswith("publish: uploaded ") and out.rstrip().endswith(
        f"to {publish.PYPI_UPLOAD}"
    )
    assert "pypi-secret" not in out
    for code in exits[1:]:  # twine failed: its exit code, and no "uploaded"
        assert publish.main() == code
        assert "uploaded" not in capsys.readouterr().out


# --- the tree a release is made from -------------------------------------------------------------


def committed(root: Path) -> Layout:
    """A git repository with one file committed."""
    init(root)
    (root / "tracked").write_text("a")
    git(root, "add", "tracked")
    git(root, "commit", "-qm", "x")
    return Layout(root)


def test_a_dirty_tree_or_a_failing_step_refuses(tmp_path: Path) -> None:
    layout = committed(tmp_path)
    (tmp_path / "tracked").write_text("b")
    with pytest.raises(publish.Refused, match="^the git tree has uncommitted changes:\nM tracked$"):
        publish.check_tree(layout)
    git(tmp_path, "commit", "-qam", "y")
    (tmp_path / "untracked").write_text("fine")  # not part of a release
    with pytest.raises(publish.Refused, match="^generated/ is stale:\n"):
        publish.check_tree(layout)  # not a checkout: its first step fails


# --- a token from GitHub Actions ------------------------------------------------------------------


def test_in_github_actions_an_oidc_token_is_exchanged_and_masked(
    no_credentials: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked: list[urllib.request.Request] = []

    class Reply(io.BytesIO):
        def __enter__(self) -> Reply:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    def urlopen(request: urllib.request.Request, timeout: float) -> Reply:
        asked.append(request)
        return Reply(
            json.dumps({"value": "oidc"} if len(asked) == 1 else {"token": "minted"}).encode()
        )

    no_credentials.setattr(urllib.request, "urlopen", urlopen)
    no_credentials.setenv("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example/?x=1")
    no_credentials.setenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token")
    assert publish.credentials() == {"TWINE_USERNAME": "__token__", "TWINE_PASSWORD": "minted"}
    assert asked[0].full_url == "https://token.example/?x=1&audience=pypi"
    assert asked[0].get_header("Authorization") == "bearer request-token"
    assert asked[1].full_url == "https://pypi.org/_/oidc/mint-token"
    assert asked[1].get_method() == "POST" and json.loads(asked[1].data) == {"token": "oidc"}  # type: ignore[arg-type]
    assert capsys.readouterr().out == "::add-mask::minted\n"


def test_check_tree_needs_a_git_checkout(tmp_path: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError):
        publish.check_tree(Layout(tmp_path))


def step(folder: Path, script: str) -> str:
    """A stand-in for `python -m <step>`: a script that ignores its arguments."""
    path = folder / "step"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return str(path)


def test_a_clean_tree_whose_steps_pass_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = committed(tmp_path / "repo")
    monkeypatch.setattr(sys, "executable", step(tmp_path, "exit 0"))
    publish.check_tree(layout)


def test_a_failing_step_is_refused_with_the_end_of_what_it_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = committed(tmp_path / "repo")
    said = "".join(f"{n:04d}" for n in range(500))  # 2,000 characters
    monkeypatch.setattr(
        sys, "executable", step(tmp_path, f"echo {said}; echo {said[::-1]} >&2; exit 3")
    )
    with pytest.raises(publish.Refused) as refused:
        publish.check_tree(layout)
    out, err = said + "\n", said[::-1] + "\n"
    assert str(refused.value) == f"generated/ is stale:\n{out[-1500:]}{err[-1500:]}"


def test_a_step_killed_by_a_signal_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = committed(tmp_path / "repo")
    monkeypatch.setattr(sys, "executable", step(tmp_path, "kill -9 $$"))
    with pytest.raises(publish.Refused, match="^generated/ is stale:"):
        publish.check_tree(layout)


def test_a_file_whose_hash_sorts_either_side_of_the_record_is_refused(tmp_path: Path) -> None:
    for recorded in ("0" * 64, "f" * 64):
        layout = built_tree(tmp_path / recorded[0])
        lines = layout.dist_manifest.read_text().splitlines()
        name = lines[0].split("  ", 1)[1]
        layout.dist_manifest.write_text("\n".join([f"{recorded}  {name}", *lines[1:]]) + "\n")
        with pytest.raises(publish.Refused, match=f"^dist/{name} is not the file"):
            publish.verified_files(layout)


def test_a_distribution_with_a_third_file_of_its_version_is_refused(tmp_path: Path) -> None:
    layout = built_tree(tmp_path)
    extra = f"toggl_track_client-{versions.read(SDK)}-py2.py3-none-any.whl"
    (layout.dist / extra).write_bytes(b"x")
    with layout.dist_manifest.open("a") as manifest:
        manifest.write(f"{hashlib.sha256(b'x').hexdigest()}  {extra}\n")
    with pytest.raises(publish.Refused, match="does not hold toggl-track-client"):
        publish.verified_files(layout)


def test_publish_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "toggl_pipeline.publish"], cwd=tmp_path,
                            capture_output=True, text=True, check=False)  # fmt: skip
    assert result.returncode != 0
    assert "not inside a toggl-track-client checkout" in result.stderr
