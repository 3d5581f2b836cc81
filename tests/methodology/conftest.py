"""Fixtures of the methodology tests: a copy of the methodology data with test versions."""

from __future__ import annotations

import copy
import csv
import shutil
from pathlib import Path

import pytest
import yaml

from kineco2.engine.versions import REGISTRY

DATA = REGISTRY.parent


def write_version(
    data_dir: Path,
    version: str,
    *,
    status: str,
    scale: dict[str, float] | None = None,
    defaults_change: dict[str, float] | None = None,
) -> None:
    """A factor file ``version`` (the current one × ``scale``) and, if asked, its own defaults."""
    from kineco2.engine.versions import current_version

    base = current_version()
    with (data_dir / "factors" / f"{base.factors}.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        fields = list(reader.fieldnames)
    reason = "change" if "change" in fields else "reason"
    if reason not in fields:
        fields.append(reason)
    for row in rows:
        row[reason] = ""
        if scale and row["id"] in scale:
            row["value"] = repr(float(row["value"]) * scale[row["id"]])
            row[reason] = "Valeur mise à jour (test)."
    with (data_dir / "factors" / f"{version}.csv").open(
        "w", encoding="utf-8", newline=""
    ) as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    entry = f'  - version: "{version}"\n    status: {status}\n'
    if defaults_change:
        raw = yaml.safe_load(
            (data_dir / "defaults" / f"{base.defaults}.yaml").read_text(encoding="utf-8")
        )
        raw = copy.deepcopy(raw)
        raw["version"] = version
        raw["factors_version"] = version
        for default_id, ratio in defaults_change.items():
            raw["defaults"][default_id]["value"] *= ratio
            raw["defaults"][default_id]["change"] = "Nouvelle enquête (test)."
        (data_dir / "defaults" / f"{version}.yaml").write_text(
            yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8"
        )
    else:
        entry += f'    defaults: "{base.defaults}"\n'
    with (data_dir / "versions.yaml").open("a", encoding="utf-8") as handle:
        handle.write(entry)


@pytest.fixture
def data_dir(tmp_path, settings):
    """A copy of the methodology data, used by the app (``KINECO2_METHODOLOGY_REGISTRY``)."""
    target = tmp_path / "methodology"
    target.mkdir()
    shutil.copytree(DATA / "factors", target / "factors")
    shutil.copytree(DATA / "defaults", target / "defaults")
    shutil.copy(REGISTRY, target / "versions.yaml")
    settings.KINECO2_METHODOLOGY_REGISTRY = str(target / "versions.yaml")
    return target


@pytest.fixture
def maintainer(db):
    from django.contrib.auth.models import Group

    from kineco2.accounts.models import User

    user = User.objects.create_user(
        email="methodo@example.fr", password="methodo-2025!", email_confirmed=True
    )
    user.groups.add(Group.objects.get(name="méthodologie"))
    return user
