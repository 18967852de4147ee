"""One evidence run: scan, roll up, record history, write the bundle, hash and sign it.

The bundle folder holds `report.html`, `evidence.json`, `oscal/assessment-results.json`,
`manifest.json` and, when signed, `manifest.sig`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import UsageError
from scanner.evidence.document import EvidenceDocument, SourceInfo
from scanner.evidence.history import (
    AppendedRun,
    ControlEntry,
    HistoryStore,
    RunColumn,
    RunInfo,
    sqlite_path,
)
from scanner.evidence.manifest import FORMAT, MANIFEST, SIGNATURE, manifest_text, output_hashes
from scanner.evidence.provenance import (
    git_state,
    git_toplevel,
    input_files,
    iso,
    policy_pack_digest,
    utc_now,
)
from scanner.evidence.rollup import FrameworkResult, roll_up
from scanner.loaders.terraform.files import relative_to
from scanner.model import ScanResult
from scanner.policies import data_dir
from scanner.scan import PolicyPack, ScanOptions, load_pack, run_scan, scan_root

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPORT = "report.html"
EVIDENCE = "evidence.json"
OSCAL = "oscal/assessment-results.json"
OUTPUTS = (REPORT, EVIDENCE, OSCAL)


@dataclass
class EvidenceOptions:
    """What an evidence run scans, where it writes, how it signs and where history lives."""

    scan: ScanOptions
    out: Path
    history_url: str
    # Names the scanned code in the history store; default the git work tree's folder name
    # (or the scanned root's). Give a stable name when several repositories share a store.
    project: str | None = None
    sign_key: Path | None = None
    now: datetime | None = None
    # The folders the policy pack comes from, for its digest; default the built-in policies
    # and `scan.policy_dirs`. A caller that passes its own PolicyPack names its folders here.
    policy_sources: list[Path] | None = None


@dataclass
class Bundle:
    """What a run wrote: the scan result, the roll-up, the manifest and the files."""

    result: ScanResult
    frameworks: list[FrameworkResult]
    manifest: dict[str, Any]
    files: list[Path] = field(default_factory=list)


def create_bundle(options: EvidenceOptions, pack: PolicyPack | None = None) -> Bundle:
    """Run the scan and write the evidence bundle to `options.out`.

    Bad input (paths, signing key, output folder, framework, history URL) fails before
    anything is scanned or written.
    """
    moment = (options.now or utc_now()).replace(microsecond=0)
    key, pack = _check_input(options, pack)
    store = HistoryStore(options.history_url)
    try:
        scan_options = options.scan
        if options.now is not None and scan_options.today is None:
            # Evidence dated in the past or future judges waivers on that day.
            scan_options = replace(scan_options, today=moment.date())
        result = run_scan(scan_options, pack)
        document = _document(options, pack, result, moment)
        project = options.project or default_project(scan_root(options.scan.paths))
        appended = _record(store, document, project)
        history = {f.id: store.runs(project, f.id) for f in document.frameworks}
    finally:
        store.close()
    (options.out / SIGNATURE).unlink(missing_ok=True)
    files = _write_outputs(options.out, document, history, pack, store.shown_url, moment)
    manifest = {
        "format": FORMAT,
        "created": iso(moment),
        "tool": document.tool.model_dump(mode="json"),
        "policy_pack": document.policy_pack.model_dump(mode="json"),
        "frameworks": {f.id: f.version for f in document.frameworks},
        "source": document.source.model_dump(mode="json"),
        "history": {
            "store": store.shown_url,
            "project": project,
            "run_id": appended.run_id,
            "head": appended.head,
        },
        "outputs": output_hashes(options.out, list(OUTPUTS)),
        "inputs": input_files(
            options.scan.paths,
            scan_root(options.scan.paths),
            options.scan.var_files,
            _private_dirs(options),
        ),
        "signature": _signature_block(key),
    }
    files.append(_write(options.out / MANIFEST, manifest_text(manifest)))
    if key is not None:
        from scanner.evidence.signing import sign

        signature = sign((options.out / MANIFEST).read_bytes(), key)
        files.append(_write(options.out / SIGNATURE, signature))
    return Bundle(result, document.frameworks, manifest, files)


def _check_input(
    options: EvidenceOptions, pack: PolicyPack | None
) -> tuple[Ed25519PrivateKey | None, PolicyPack]:
    """The signing key and the policy pack, after checking every input that can be wrong."""
    from scanner.evidence.signing import load_private_key

    for path in options.scan.paths:
        if not path.exists():
            raise UsageError(f"{path}: path not found")
    key = load_private_key(options.sign_key) if options.sign_key else None
    _check_out(options.out)
    pack = pack or load_pack(options.scan.policy_dirs)
    unknown = [f for f in options.scan.frameworks if f not in pack.frameworks]
    if unknown:
        known = ", ".join(sorted(pack.frameworks))
        raise UsageError(f"unknown framework {unknown[0]!r}; known frameworks: {known}")
    return key, pack


def _check_out(out: Path) -> None:
    """Refuse an output path that is a file, or a folder holding something other than an
    earlier bundle (which is overwritten)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise UsageError(f"{out}: folder is not empty and holds no evidence bundle; refusing")


def _private_dirs(options: EvidenceOptions) -> list[Path]:
    """Folders the run writes to, kept out of the hashed inputs and the git dirty check."""
    history_db = sqlite_path(options.history_url)
    return [options.out] + ([history_db.parent] if history_db else [])


def _document(
    options: EvidenceOptions, pack: PolicyPack, result: ScanResult, moment: datetime
) -> EvidenceDocument:
    root = scan_root(options.scan.paths)
    frameworks = [
        framework
        for framework_id, framework in pack.frameworks.items()
        if not options.scan.frameworks or framework_id in options.scan.frameworks
    ]
    return EvidenceDocument(
        generated=iso(moment),
        tool=result.tool,
        source=SourceInfo(
            paths=[relative_to(p.resolve(), root) for p in options.scan.paths],
            git=git_state(root, _private_dirs(options)),
        ),
        policy_pack=policy_pack_digest(options.policy_sources or _policy_dirs(options.scan)),
        frameworks=roll_up(result, frameworks),
        scan=result,
    )


def _policy_dirs(options: ScanOptions) -> list[Path]:
    return [data_dir("policies"), *options.policy_dirs]


def default_project(root: Path) -> str:
    """The project name history records use by default: the git work tree's folder name, or
    the scanned root's outside git."""
    return (git_toplevel(root) or root.resolve()).name or "root"


def _record(store: HistoryStore, document: EvidenceDocument, project: str) -> AppendedRun:
    git = document.source.git
    entries = [
        ControlEntry(
            framework=framework.id,
            control=control.id,
            status=control.status.value,
            failed=control.failed,
            passed=control.passed,
            waived=control.waived,
        )
        for framework in document.frameworks
        for control in framework.controls
    ]
    run = RunInfo(
        run_id=str(uuid.uuid4()),
        recorded_at=document.generated,
        project=project,
        git_commit=git.commit if git else None,
        dirty=git.dirty if git else None,
    )
    return store.append(run, entries)


def _write_outputs(
    out: Path,
    document: EvidenceDocument,
    history: dict[str, list[RunColumn]],
    pack: PolicyPack,
    history_url: str,
    moment: datetime,
) -> list[Path]:
    from scanner.evidence.oscal import assessment_results, to_json
    from scanner.evidence.report import render_report

    titles = {rule.id: rule.title for rule in pack.rules}
    return [
        _write(out / EVIDENCE, document.to_json()),
        _write(out / REPORT, render_report(document, history, titles, history_url)),
        _write(out / OSCAL, to_json(assessment_results(document, moment))),
    ]


def _signature_block(key: Ed25519PrivateKey | None) -> dict[str, str] | None:
    if key is None:
        return None
    from scanner.evidence.signing import key_id, public_key_text

    public = key.public_key()
    return {"algorithm": "ed25519", "key_id": key_id(public), "public_key": public_key_text(public)}


def _write(path: Path, text: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror}") from exc
    return path
