"""Where evidence comes from: the scanned files' hashes, the policy pack's hash, the git commit.

An auditor uses these to tie a bundle to the exact inputs, rules and commit that produced it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from scanner.loaders.terraform.files import SKIPPED_DIRS, relative_to

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


class GitState(BaseModel):
    """The commit the scanned root is at, and whether files under it differ from that commit.

    `commit` is None in a repository without commits. Untracked files count as changes,
    except inside the bundle's output folder and the history store's folder.
    """

    commit: str | None
    dirty: bool


class PolicyPackDigest(BaseModel):
    """One SHA-256 over every file of the policy pack (built-in and `--policies` folders)."""

    sha256: str
    files: int


def utc_now() -> datetime:
    """The current time in UTC, to the second (the precision every output uses)."""
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """`moment` as `YYYY-MM-DDTHH:MM:SSZ`, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def input_files(
    paths: list[Path], root: Path, extra: list[Path], exclude: list[Path]
) -> dict[str, str]:
    """SHA-256 of every file under the scanned `paths` plus `extra` files (`--var-file`s), by
    path relative to `root`.

    Folders are walked as the loader walks them: hidden and cache folders are skipped. The
    `exclude` folders (the bundle's own output, the history store) are skipped too.
    """
    excluded = {p.resolve() for p in exclude}
    found: set[Path] = {p.resolve() for p in extra if p.is_file()}
    for path in paths:
        if path.is_file():
            found.add(path.resolve())
            continue
        for current, dirs, files in os.walk(path):
            here = Path(current).resolve()
            dirs[:] = [
                d
                for d in dirs
                if not d.startswith(".") and d not in SKIPPED_DIRS and here / d not in excluded
            ]
            found.update(here / name for name in files if (here / name).is_file())
    return {relative_to(p, root): sha256_file(p) for p in sorted(found)}


def policy_pack_digest(directories: list[Path]) -> PolicyPackDigest:
    """A digest over each file's path (relative to its folder, with the folder's position in
    `directories`) and content, so any edited, added or removed rule changes it."""
    lines: list[str] = []
    for index, directory in enumerate(directories):
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            lines.append(f"{index}/{relative_to(path, directory)}\t{sha256_file(path)}\n")
    digest = hashlib.sha256("".join(lines).encode()).hexdigest()
    return PolicyPackDigest(sha256=digest, files=len(lines))


def git_state(root: Path, exclude: list[Path]) -> GitState | None:
    """The git state of the scanned root, or None outside a repository (or without git)."""
    toplevel = _git(root, "rev-parse", "--show-toplevel")
    if toplevel is None:
        return None
    commit = _git(root, "rev-parse", "--verify", "--quiet", "HEAD")
    pathspecs = ["."]
    for path in exclude:
        relative = relative_to(path.resolve(), root.resolve())
        if not relative.startswith(".."):
            pathspecs.append(f":(exclude){relative}")
    status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *pathspecs)
    return GitState(commit=commit or None, dirty=bool(status) or status is None)


def git_toplevel(directory: Path) -> Path | None:
    """The top of the git work tree holding `directory`, or None."""
    toplevel = _git(directory, "rev-parse", "--show-toplevel")
    return Path(toplevel) if toplevel else None


def _git(directory: Path, *args: str) -> str | None:
    """The stripped output of a read-only git command, or None when it fails."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        logger.debug("git %s failed: %s", args[0], exc)
        return None
    if proc.returncode != 0:
        if "safe.directory" in proc.stderr:
            logger.warning(
                "git will not read %s (owned by another user); commit left out", directory
            )
        logger.debug("git %s exited %d: %s", args[0], proc.returncode, proc.stderr.strip())
        return None
    return proc.stdout.strip()
