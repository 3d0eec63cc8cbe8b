"""Packaging traps that were reproduced (DESIGN §2): keep these guards."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _declared_packages() -> set[str]:
    return set(SETUPTOOLS["packages"])


def test_every_folder_under_checks_and_reports_is_declared() -> None:
    # A subpackage missing from `packages` is silently dropped from the wheel while an
    # editable install still works, so only this test notices.
    declared = _declared_packages()
    for folder, package in (("checks", "hardening.checks"), ("reports", "hardening.reports")):
        for path in [ROOT / folder, *(p for p in (ROOT / folder).rglob("*") if p.is_dir())]:
            if path.name == "__pycache__" or not any(path.glob("*.py")):
                continue
            rel = path.relative_to(ROOT / folder).parts
            name = ".".join((package, *rel))
            assert name in declared, f"{path.relative_to(ROOT)} is not declared as {name}"


def test_every_engine_subpackage_is_declared() -> None:
    declared = _declared_packages()
    for init in (ROOT / "hardening").rglob("__init__.py"):
        name = ".".join(init.parent.relative_to(ROOT).parts)
        assert name in declared, f"{name} is missing from [tool.setuptools] packages"


def test_package_dir_maps_checks_and_reports_under_hardening() -> None:
    assert SETUPTOOLS["package-dir"]["hardening.checks"] == "checks"
    assert SETUPTOOLS["package-dir"]["hardening.reports"] == "reports"
    assert not any(p == "checks" or p == "reports" for p in _declared_packages())


def test_builtin_pack_is_registered_as_an_entry_point() -> None:
    eps = PYPROJECT["project"]["entry-points"]["hardening.checks"]
    assert eps == {"builtin": "hardening.checks"}


def test_no_tests_init_py() -> None:
    # tests/__init__.py would shadow the installed package under --import-mode=importlib.
    assert not (ROOT / "tests" / "__init__.py").exists()


def test_demo_files_are_package_data() -> None:
    patterns = SETUPTOOLS["package-data"]["hardening.demo"]
    demo = ROOT / "examples" / "demo"
    files = [p for p in demo.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"}]
    assert files
    for f in files:
        rel = f.relative_to(demo)
        assert any(rel.match(p) for p in patterns), f"{rel} would be missing from the wheel"


def test_every_registered_report_format_loads() -> None:
    from hardening import reports

    names = reports.available()
    assert {"terminal", "json"} <= set(names)
    declared = PYPROJECT["project"]["entry-points"]["hardening.reports"]
    assert set(declared) <= set(names)
    for name in names:
        assert reports.get(name).name == name
