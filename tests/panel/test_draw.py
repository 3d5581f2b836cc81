"""The stratified panel draw: a fixed vector, properties, and the ``draw`` command."""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kineco2.panel.draw import (
    ALGORITHM_VERSION,
    Candidate,
    DrawInputError,
    Quota,
    add_draw_command,
    candidates_hash,
    canonical_candidates,
    draw,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_CANDIDATES = str(ROOT / "examples/panel/candidats.csv")
EXAMPLE_QUOTAS = str(ROOT / "examples/panel/quotas.yaml")

# --- a fixed vector, recomputed by hand with hashlib ----------------------------------------

VECTOR_CANDIDATES = [
    Candidate("K1", "Bretagne", {"zone": "urbain"}),
    Candidate("K2", "Bretagne", {"zone": "urbain"}),
    Candidate("K3", "Bretagne", {"zone": "rural"}),
    Candidate("K4", "Bretagne", {"zone": "urbain"}),
    Candidate("K5", "Bretagne", {"zone": "rural"}),
    Candidate("K6", "Guyane", {"zone": "urbain"}),
    Candidate("K7", "Guyane", {"zone": "rural"}),
    Candidate("K8", "Bretagne", {"zone": "periurbain"}),
]
VECTOR_QUOTAS = [
    Quota("Guyane", None, 3),  # only 2 candidates: shortfall of 1
    Quota("Bretagne", {"zone": "urbain"}, 2),
    Quota("Bretagne", {"zone": "rural"}, 3),  # only 2 rural: 1 place carried to Bretagne
]
VECTOR_SEED = "URPS-2026"
VECTOR_CANONICAL = (
    b'[{"id":"K1","region":"Bretagne","stratum":{"zone":"urbain"}},'
    b'{"id":"K2","region":"Bretagne","stratum":{"zone":"urbain"}},'
    b'{"id":"K3","region":"Bretagne","stratum":{"zone":"rural"}},'
    b'{"id":"K4","region":"Bretagne","stratum":{"zone":"urbain"}},'
    b'{"id":"K5","region":"Bretagne","stratum":{"zone":"rural"}},'
    b'{"id":"K6","region":"Guyane","stratum":{"zone":"urbain"}},'
    b'{"id":"K7","region":"Guyane","stratum":{"zone":"rural"}},'
    b'{"id":"K8","region":"Bretagne","stratum":{"zone":"periurbain"}}]'
)
VECTOR_HASH = "4bb68faa95769285cebc7aaf78572a5398ad655b3247fb3af5eeb3c30df31025"
# Quota order: Bretagne/rural, Bretagne/urbain (1 key each; "rural" < "urbain"), Guyane (0 key).
# Stratum places K5, K3 (rural), K1, K4 (urbain), K7, K6 (Guyane); then the missing rural place
# is carried to Bretagne: K2.
VECTOR_SELECTED = ("K5", "K3", "K1", "K4", "K7", "K6", "K2")


def test_fixed_vector_canonical_form_and_hash():
    assert canonical_candidates(reversed(VECTOR_CANDIDATES)) == VECTOR_CANONICAL
    assert hashlib.sha256(VECTOR_CANONICAL).hexdigest() == VECTOR_HASH
    assert candidates_hash(VECTOR_CANDIDATES) == VECTOR_HASH


def test_fixed_vector_selection_follows_the_documented_procedure():
    # Recompute the documented procedure independently, with hashlib only.
    def key(candidate_id: str) -> str:
        text = f"{ALGORITHM_VERSION}|{VECTOR_SEED}|{VECTOR_HASH}|{candidate_id}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    ranking = sorted(VECTOR_CANDIDATES, key=lambda c: key(c.id))
    rural = [c.id for c in ranking if c.region == "Bretagne" and c.stratum["zone"] == "rural"]
    urbain = [c.id for c in ranking if c.region == "Bretagne" and c.stratum["zone"] == "urbain"]
    guyane = [c.id for c in ranking if c.region == "Guyane"]
    step5 = rural[:3] + urbain[:2] + guyane[:3]
    carried = [c.id for c in ranking if c.region == "Bretagne" and c.id not in step5][:1]
    assert (*step5, *carried) == VECTOR_SELECTED

    result = draw(VECTOR_CANDIDATES, VECTOR_QUOTAS, VECTOR_SEED)
    assert result.selected == VECTOR_SELECTED
    assert result.candidates_hash == VECTOR_HASH
    assert result.keys == {c.id: key(c.id) for c in VECTOR_CANDIDATES}
    by_label = {q.quota.label: q for q in result.quotas}
    rural_result = by_label["Bretagne · zone=rural"]
    assert rural_result.selected == ("K5", "K3")
    assert rural_result.carried == ("K2",)
    assert rural_result.shortfall == 0
    assert [r.id for r in rural_result.replacements] == ["K8"]
    assert by_label["Guyane · toute la région"].shortfall == 1
    assert [(q.region, n) for q, n in result.shortfalls] == [("Guyane", 1)]


def test_to_dict_is_json_with_everything_needed_to_check_the_draw():
    data = json.loads(json.dumps(draw(VECTOR_CANDIDATES, VECTOR_QUOTAS, VECTOR_SEED).to_dict()))
    assert data["algorithm_version"] == ALGORITHM_VERSION
    assert data["seed"] == VECTOR_SEED
    assert data["candidates_hash"] == VECTOR_HASH
    assert data["selected"] == list(VECTOR_SELECTED)
    assert [q["region"] for q in data["quotas"]] == ["Bretagne", "Bretagne", "Guyane"]
    assert data["shortfalls"] == [
        {"quota": {"region": "Guyane", "stratum": None, "count": 3}, "missing": 1}
    ]
    assert "reportées" in data["rule"]
    assert [r["id"] for r in data["ranking"]][:2] == ["K7", "K6"]
    assert data["selections"][0]["carried"][0]["id"] == "K2"


def test_to_csv_has_french_headers_and_statuses():
    text = draw(VECTOR_CANDIDATES, VECTOR_QUOTAS, VECTOR_SEED).to_csv()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:6] == [
        "rang",
        "identifiant",
        "région",
        "strate",
        "statut",
        "clé de tirage",
    ]
    selected = [r["identifiant"] for r in rows if r["statut"] == "tiré"]
    assert Counter(selected) == Counter(VECTOR_SELECTED)
    assert {r["statut"] for r in rows} == {"tiré", "remplaçant"}
    assert rows[0]["rang"] == "1"


def test_text_is_normalised_before_hashing():
    decomposed = Candidate(" A1 ", "I\u0302le-de-France", {"zone": "urbain "})
    composed = Candidate("A1", "Île-de-France", {"zone": "urbain"})
    assert candidates_hash([decomposed]) == candidates_hash([composed])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Quota("Bretagne", None, -1), "négatif"),
        (lambda: Quota("Bretagne", None, "3"), "entier"),
        (lambda: Quota("", None, 1), "région"),
        (lambda: Candidate("", "Bretagne", {}), "identifiant"),
        (lambda: draw(VECTOR_CANDIDATES, VECTOR_QUOTAS, "  "), "graine"),
        (lambda: draw(VECTOR_CANDIDATES * 2, VECTOR_QUOTAS, "s"), "plusieurs fois"),
        (lambda: draw(VECTOR_CANDIDATES, [Quota("Guyane", None, 1)] * 2, "s"), "deux fois"),
        (lambda: draw(VECTOR_CANDIDATES, [Quota("Guyane", {"zon": "x"}, 1)], "s"), "inconnu"),
    ],
)
def test_bad_input_raises_a_french_draw_input_error(make, message):
    with pytest.raises(DrawInputError, match=message) as info:
        make()
    assert isinstance(info.value, ValueError)


# --- properties ----------------------------------------------------------------------------

REGIONS = ["Bretagne", "Guadeloupe", "Île-de-France"]
ZONES = ["urbain", "periurbain", "rural"]
SIZES = ["seul", "groupe"]


@st.composite
def candidate_lists(draw_, min_size=1, max_size=30):
    ids = draw_(
        st.lists(
            st.text(alphabet="ABCKXé0123456789-", min_size=1, max_size=6).filter(str.strip),
            min_size=min_size,
            max_size=max_size,
            unique_by=lambda s: s.strip(),
        )
    )
    return [
        Candidate(
            i,
            draw_(st.sampled_from(REGIONS)),
            {"zone": draw_(st.sampled_from(ZONES)), "size": draw_(st.sampled_from(SIZES))},
        )
        for i in ids
    ]


strata = st.one_of(
    st.none(),
    st.builds(lambda z: {"zone": z}, st.sampled_from(ZONES)),
    st.builds(lambda s: {"size": s}, st.sampled_from(SIZES)),
    st.builds(lambda z, s: {"zone": z, "size": s}, st.sampled_from(ZONES), st.sampled_from(SIZES)),
)
quota_lists = st.lists(
    st.builds(Quota, st.sampled_from(REGIONS), strata, st.integers(0, 6)),
    max_size=8,
    unique_by=lambda q: (q.region, json.dumps(q.stratum, sort_keys=True)),
)
seeds = st.text(min_size=1, max_size=20).filter(str.strip)


def matches(candidate: Candidate, quota: Quota) -> bool:
    return candidate.region == quota.region and all(
        candidate.stratum.get(k) == v for k, v in (quota.stratum or {}).items()
    )


@settings(max_examples=150, deadline=None)
@given(candidate_lists(), quota_lists, seeds, st.data())
def test_reproducible_and_independent_of_input_order(candidates, quotas, seed, data):
    first = draw(candidates, quotas, seed).to_dict()
    shuffled_candidates = data.draw(st.permutations(candidates))
    shuffled_quotas = data.draw(st.permutations(quotas))
    assert draw(shuffled_candidates, shuffled_quotas, seed).to_dict() == first
    assert draw(candidates, quotas, seed).to_dict() == first


@settings(max_examples=300, deadline=None)
@given(candidate_lists(), quota_lists, seeds)
def test_selection_invariants(candidates, quotas, seed):
    result = draw(candidates, quotas, seed)
    by_id = {c.id: c for c in candidates}
    # Nobody is selected twice, and every selection belongs to exactly one quota.
    assert len(set(result.selected)) == len(result.selected)
    per_quota = [i for q in result.quotas for i in q.all_selected]
    assert Counter(per_quota) == Counter(result.selected)
    for q in result.quotas:
        quota = q.quota
        assert len(q.selected) + len(q.carried) + q.shortfall == quota.count
        assert q.shortfall >= 0
        # Stratum places come from the stratum, carried places from the same region.
        assert all(matches(by_id[i], quota) for i in q.selected)
        assert all(by_id[i].region == quota.region for i in q.carried)
        if q.carried or q.shortfall:
            # Places are carried only once the stratum has nobody left.
            assert not [c for c in candidates if matches(c, quota) and c.id not in result.selected]
        # Replacements: region candidates not selected, stratum first, then key order.
        ids = [r.id for r in q.replacements]
        assert not set(ids) & set(result.selected)
        assert all(by_id[i].region == quota.region for i in ids)
        pools = [r.pool for r in q.replacements]
        assert pools == sorted(pools, key=lambda p: p == "région")
    # Per region: everybody requested is drawn unless the region runs out of candidates,
    # and a shortfall is reported if and only if there are not enough candidates.
    for region in REGIONS:
        wanted = sum(q.count for q in quotas if q.region == region)
        available = sum(1 for c in candidates if c.region == region)
        drawn = sum(1 for i in result.selected if by_id[i].region == region)
        missing = sum(n for quota, n in result.shortfalls if quota.region == region)
        assert drawn == min(wanted, available)
        assert missing == max(0, wanted - available)
        assert (missing > 0) == (wanted > available)


@settings(max_examples=200, deadline=None)
@given(candidate_lists(max_size=40), st.data(), seeds)
def test_disjoint_quotas_are_honoured_when_there_are_enough_candidates(candidates, data, seed):
    quotas = [
        Quota(region, {"zone": zone}, data.draw(st.integers(0, 5)))
        for region in REGIONS
        for zone in ZONES
    ]
    result = draw(candidates, quotas, seed)
    keys = result.keys
    for q in result.quotas:
        pool = sorted((c.id for c in candidates if matches(c, q.quota)), key=keys.__getitem__)
        if len(pool) >= q.quota.count:
            assert q.selected == tuple(pool[: q.quota.count])
            assert not q.carried and not q.shortfall
        else:
            assert q.selected == tuple(pool)
            assert len(q.carried) + q.shortfall == q.quota.count - len(pool)


@settings(max_examples=100, deadline=None)
@given(seeds, seeds)
def test_changing_the_seed_changes_the_draw(seed_a, seed_b):
    if seed_a == seed_b:
        return
    candidates = [Candidate(f"C{i:02d}", "Bretagne", {"zone": ZONES[i % 3]}) for i in range(40)]
    quotas = [Quota("Bretagne", None, 10)]
    assert draw(candidates, quotas, seed_a).selected != draw(candidates, quotas, seed_b).selected


def test_no_quota_or_no_candidate_in_the_region():
    assert draw(VECTOR_CANDIDATES, [], "s").selected == ()
    result = draw(VECTOR_CANDIDATES, [Quota("Mayotte", None, 2)], "s")
    assert result.selected == ()
    assert result.quotas[0].shortfall == 2


# --- command line ---------------------------------------------------------------------------


def run_cli(argv, capsys):
    parser = argparse.ArgumentParser(prog="kineco2")
    sub = parser.add_subparsers(dest="command", required=True)
    add_draw_command(sub)
    args = parser.parse_args(["draw", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


BASE = [EXAMPLE_CANDIDATES, "--quotas", EXAMPLE_QUOTAS, "--seed", "2026-03-02 URPS"]


def test_cli_table_json_csv(capsys):
    code, out, _ = run_cli(BASE, capsys)
    assert code == 0
    assert "Empreinte des candidatures" in out
    assert "place reportée sur la région" in out  # one rural candidate in Île-de-France

    code, out, _ = run_cli([*BASE, "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert len(data["selected"]) == 10 + 3 + 2 + 3
    assert data["shortfalls"] == []

    code, out, _ = run_cli([*BASE, "--format", "csv"], capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("rang,identifiant,région,strate,statut,clé de tirage")


def test_cli_is_reproducible_and_json_candidates_hash_like_csv(capsys, tmp_path):
    _, first, _ = run_cli([*BASE, "--format", "json"], capsys)
    _, second, _ = run_cli([*BASE, "--format", "json"], capsys)
    assert first == second
    with open(EXAMPLE_CANDIDATES, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    as_json = tmp_path / "candidats.json"
    as_json.write_text(
        json.dumps(
            [{"id": r.pop("id"), "region": r.pop("region"), "stratum": r} for r in reversed(rows)]
        ),
        encoding="utf-8",
    )
    code, out, _ = run_cli(
        [str(as_json), "--quotas", EXAMPLE_QUOTAS, "--seed", "2026-03-02 URPS", "--format", "json"],
        capsys,
    )
    assert code == 0
    assert json.loads(out) == json.loads(first)


def test_cli_expected_hash(capsys):
    _, out, _ = run_cli([*BASE, "--format", "json"], capsys)
    published = json.loads(out)["candidates_hash"]
    code, _, _ = run_cli([*BASE, "--expected-hash", published.upper()], capsys)
    assert code == 0
    code, out, err = run_cli([*BASE, "--expected-hash", "0" * 64], capsys)
    assert code == 2
    assert out == ""
    assert "ne correspond pas à l'empreinte attendue" in err
    assert err.startswith("Erreur : ")


@pytest.mark.parametrize(
    ("candidates", "quotas", "seed", "message"),
    [
        ("id,zone\nA,urbain\n", "- {region: R, count: 1}\n", "s", "colonne « region » manquante"),
        ("id,region\nA,R\n", "- {region: R, count: -2}\n", "s", "négatif"),
        ("id,region\nA,R\n", "- {region: R}\n", "s", "« count » manquant"),
        ("id,region\nA,R\n", "- {region: R, count: 1}\n", "", "graine"),
        ("id,region\nA,R\nA,R\n", "- {region: R, count: 1}\n", "s", "plusieurs fois"),
        ("id,region\nA,R,x\n", "- {region: R, count: 1}\n", "s", "ligne 2"),
        ("id;region;zone\nA;R;u\n", "- {region: R, count: 1, stratum: {zon: u}}\n", "s", "zon"),
        ("id,region\nA,R\n", "[unclosed\n", "s", "YAML"),
    ],
)
def test_cli_bad_input_exit_2_with_french_message(
    candidates, quotas, seed, message, tmp_path, capsys
):
    (tmp_path / "c.csv").write_text(candidates, encoding="utf-8")
    (tmp_path / "q.yaml").write_text(quotas, encoding="utf-8")
    code, out, err = run_cli(
        [str(tmp_path / "c.csv"), "--quotas", str(tmp_path / "q.yaml"), "--seed", seed], capsys
    )
    assert code == 2
    assert out == ""
    assert message in err


def test_cli_unknown_file_or_format(tmp_path, capsys):
    code, _, err = run_cli(
        [str(tmp_path / "absent.csv"), "--quotas", EXAMPLE_QUOTAS, "--seed", "s"], capsys
    )
    assert code == 2
    assert "Fichier introuvable" in err
    (tmp_path / "c.xlsx").write_text("x", encoding="utf-8")
    code, _, err = run_cli(
        [str(tmp_path / "c.xlsx"), "--quotas", EXAMPLE_QUOTAS, "--seed", "s"], capsys
    )
    assert code == 2
    assert "format non reconnu" in err
