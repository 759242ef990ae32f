"""Production's static files: collectstatic with a manifest storage succeeds, the manifest
holds the vendored assets, and `check --deploy` fails when the manifest is missing.

The storage here is Django's ManifestStaticFilesStorage: the same hashing and reference
rewriting (source maps, url() in CSS) that broke production's WhiteNoise storage, without
WhiteNoise's compression, which only adds minutes. scripts/prod_smoke.py runs the real
production storage end to end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings

from clientdesk.core.deploy_checks import REQUIRED_STATIC, check_staticfiles_manifest

MANIFEST = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
VENDORED = (
    "vendor/inter/inter.css",
    "vendor/inter/files/inter-latin-wght-normal.woff2",
    "vendor/chartjs/chart.umd.min.js",
    "vendor/chartjs/chart.umd.min.js.map",
    "vendor/lucide/users.svg",
)


def storages(**staticfiles: Any) -> dict[str, Any]:
    from django.conf import settings

    return {**settings.STORAGES, "staticfiles": staticfiles}


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root, STORAGES=storages(**MANIFEST)):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root


def test_collectstatic_with_a_manifest_succeeds_and_lists_the_vendored_assets(
    collected: Path,
) -> None:
    paths = json.loads((collected / "staticfiles.json").read_text())["paths"]
    for name in (*VENDORED, *REQUIRED_STATIC):
        assert name in paths, name
        assert (collected / paths[name]).is_file()
    # The script's source-map comment now names the hashed map.
    script = (collected / paths["vendor/chartjs/chart.umd.min.js"]).read_text()
    assert f"sourceMappingURL={Path(paths['vendor/chartjs/chart.umd.min.js.map']).name}" in script


def test_app_css_references_resolve_to_hashed_icons(collected: Path) -> None:
    paths = json.loads((collected / "staticfiles.json").read_text())["paths"]
    css = (collected / paths["css/app.css"]).read_text()
    assert "{%" not in css  # no template tag left in the stylesheet
    assert Path(paths["vendor/lucide/users.svg"]).name in css


def test_deploy_check_passes_with_the_manifest(collected: Path) -> None:
    with override_settings(STATIC_ROOT=collected, STORAGES=storages(**MANIFEST)):
        assert check_staticfiles_manifest() == []


def test_deploy_check_fails_without_a_manifest(tmp_path: Path) -> None:
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages(**MANIFEST)):
        errors = check_staticfiles_manifest()
    assert [e.id for e in errors] == ["clientdesk.E001"]
    assert "is missing" in errors[0].msg and "collectstatic" in errors[0].hint


def test_deploy_check_fails_when_an_entry_is_missing(tmp_path: Path) -> None:
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"css/app.css": "css/app.123456789abc.css"}})
    )
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages(**MANIFEST)):
        errors = check_staticfiles_manifest()
    assert [e.id for e in errors] == ["clientdesk.E001"]
    assert "vendor/inter/inter.css" in errors[0].msg


def test_deploy_check_is_silent_without_a_manifest_storage(tmp_path: Path) -> None:
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages(**plain)):
        assert check_staticfiles_manifest() == []


def test_check_deploy_command_reports_it(tmp_path: Path) -> None:
    from django.core.management.base import SystemCheckError

    with (
        override_settings(STATIC_ROOT=tmp_path, STORAGES=storages(**MANIFEST)),
        pytest.raises(SystemCheckError, match=r"clientdesk\.E001"),
    ):
        call_command("check", "--deploy", verbosity=0)
