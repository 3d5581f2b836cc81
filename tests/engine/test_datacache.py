"""The parsed-data cache: the same data as parsing, never a stale entry, never an error."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from kineco2.engine import datacache, defaults, versions, yamlfile

DATA = Path(defaults.__file__).parent / "data"
SHIPPED_YAML = sorted(DATA.rglob("*.yaml"))


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("KINECO2_CACHE_DIR", str(directory))
    return directory


def parsed(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yamlfile.safe_load(handle)


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: str(p.relative_to(DATA)))
def test_cached_data_equals_parsed_data(path, cache):
    expected = parsed(path)
    cold = datacache.load_yaml(path)
    warm = datacache.load_yaml(path)
    assert cold == expected
    assert warm == expected
    assert list(_walk(warm)) == list(_walk(expected))  # same types, same key order
    assert datacache.entry_path(path.read_bytes()).is_file() == datacache._plain(expected)


def _walk(value):
    yield type(value)
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    else:
        yield value


def test_the_defaults_in_use_are_served_from_the_cache(cache):
    path = defaults.DEFAULTS_DIR / f"{defaults.latest_version()}.yaml"
    datacache.load_yaml(path)
    entry = datacache.entry_path(path.read_bytes())
    assert entry.is_file() and entry.parent == cache
    assert defaults.parse_defaults(datacache.load_yaml(path)) == defaults.parse_defaults(
        parsed(path)
    )


def test_an_edited_file_is_parsed_again_not_served_stale(cache, tmp_path):
    path = tmp_path / "defaults.yaml"
    path.write_text("tarif: 1.5\nliste: [a, b]\n", encoding="utf-8")
    assert datacache.load_yaml(path) == {"tarif": 1.5, "liste": ["a", "b"]}
    first_entry = datacache.entry_path(path.read_bytes())
    assert first_entry.is_file()

    path.write_text("tarif: 2.5\nliste: [a, b]\n", encoding="utf-8")  # same size, new content
    assert datacache.load_yaml(path) == {"tarif": 2.5, "liste": ["a", "b"]}
    assert datacache.load_yaml(path) == {"tarif": 2.5, "liste": ["a", "b"]}
    assert len(list(cache.iterdir())) == 2 and first_entry.is_file()


def test_an_edited_registry_is_read_again(cache, tmp_path):
    registry = tmp_path / "versions.yaml"
    for folder, name in (("factors", "2026.1.csv"), ("defaults", "2026.1.yaml")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_bytes((DATA / folder / name).read_bytes())
    text = 'versions:\n  - version: "2026.1"\n    status: publiee\n    summary: {}\n'
    registry.write_text(text.format("Première"), encoding="utf-8")
    assert versions.load_registry(registry)["2026.1"].summary == "Première"

    registry.write_text(text.format("Seconde"), encoding="utf-8")
    versions._recent.clear()  # the in-process reuse (5 s); the file cache is what is tested
    versions._load.cache_clear()
    assert versions.load_registry(registry)["2026.1"].summary == "Seconde"


def test_a_damaged_entry_is_parsed_again_and_replaced(cache, tmp_path):
    path = tmp_path / "data.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    entry = datacache.entry_path(path.read_bytes())
    entry.parent.mkdir(parents=True)
    entry.write_bytes(b"\x00 not marshal data")
    assert datacache.load_yaml(path) == {"a": 1}
    assert datacache.load_yaml(path) == {"a": 1}


def test_unwritable_or_unusable_directory_only_means_parsing(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv("KINECO2_CACHE_DIR", str(blocker / "cache"))
    path = tmp_path / "data.yaml"
    path.write_text("a: [1, 2]\n", encoding="utf-8")
    assert datacache.load_yaml(path) == {"a": [1, 2]}
    assert datacache.load_yaml(path) == {"a": [1, 2]}


def test_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("KINECO2_CACHE_DIR", "")
    assert datacache.cache_dir() is None
    path = tmp_path / "data.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert datacache.load_yaml(path) == {"a": 1}
    assert datacache.entry_path(path.read_bytes()) is None


def test_default_directory_is_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("KINECO2_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert datacache.cache_dir() == tmp_path / "kineco2"


def test_documents_that_are_not_plain_data_are_not_stored(cache, tmp_path):
    path = tmp_path / "dated.yaml"
    path.write_text("publication: 2026-01-15\n", encoding="utf-8")
    import datetime

    assert datacache.load_yaml(path) == {"publication": datetime.date(2026, 1, 15)}
    assert not cache.exists() or not any(cache.iterdir())


def test_crlf_files_read_as_text(cache, tmp_path):
    path = tmp_path / "crlf.yaml"
    path.write_bytes(b"texte: >-\r\n  une\r\n  ligne\r\nb: 2\r\n")
    assert datacache.load_yaml(path) == parsed(path) == {"texte": "une ligne", "b": 2}


def test_entries_in_a_directory_others_can_write_are_not_read(cache, tmp_path):
    path = tmp_path / "data.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    datacache.load_yaml(path)
    entry = datacache.entry_path(path.read_bytes())
    entry.write_bytes(marshal.dumps({"a": "planted"}))
    cache.chmod(0o777)
    assert datacache.load_yaml(path) == {"a": 1}
    cache.chmod(0o700)
    assert datacache.load_yaml(path) == {"a": 1}  # rewritten by the previous parse
