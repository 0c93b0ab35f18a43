"""The index cache: compact records that read back exactly, read only when asked for,
damaged rows parsed again, old layouts rebuilt, and the repo map kept beside the index."""

from __future__ import annotations

import os
import sqlite3
import zlib
from pathlib import Path

import pytest

from agent.codeintel import repomap
from agent.codeintel.index import CodeIndex
from agent.codeintel.parser import StoredRecord, decode_record, encode_record, extract, parse_source
from agent.codeintel.repomap import repo_map, repo_map_for_prompt
from tests.test_codeintel_parser import SAMPLES


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    for filename, source in SAMPLES.values():
        (root / "src" / filename).write_text(source)
    return root


def _touch_later(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_a_record_reads_back_exactly(language: str) -> None:
    record = extract(SAMPLES[language][1].encode(), language)
    assert decode_record(encode_record(record), language) == record


@pytest.mark.parametrize("source", [
    b"",  # nothing at all
    b"x\0y = 1\n",  # a NUL in a signature: the strings go as JSON
    b"class :\n    pass\n",  # a name the parser had to invent
    b"def caf\xe9():\n    return caf\xe9\n",  # not UTF-8
    "def gr\u00fc\u00dfe():\n    return gr\u00fc\u00dfe\n".encode(),
])
def test_odd_sources_read_back_exactly(source: bytes) -> None:
    record = extract(source, "python")
    assert decode_record(encode_record(record), "python") == record
    assert parse_source(source, "python") == parse_source(source, "python")  # the same every time


def test_big_files_use_wide_arrays_and_read_back() -> None:
    source = "".join(f"v{i} = w{i}\n" for i in range(70_000)).encode()
    record = extract(source, "python")
    assert (record.ref_names.typecode, record.ref_rows.typecode) == ("I", "I")
    assert decode_record(encode_record(record), "python") == record


def test_damaged_records_are_a_value_error() -> None:
    """zlib's checksum catches damage to the stored bytes; what it cannot (a record written
    wrong) is caught by the sizes, never by an error from deep inside."""
    blob = encode_record(extract(SAMPLES["python"][1].encode(), "python"))
    header = blob[:4]
    payload = zlib.decompress(blob[4:])
    damaged = [
        b"", b"junk", blob[:-5], blob[:10] + bytes([blob[10] ^ 0xFF]) + blob[11:],
        header + zlib.compress(payload[:payload.rindex(b"\0")]),  # a string short
        header + zlib.compress(payload[:20]),  # arrays cut short
        header + zlib.compress(b"\xff" * len(payload)),
    ]
    for bad in damaged:
        with pytest.raises(ValueError):
            stored = StoredRecord(bad, "python")
            stored.definitions, stored.ref_names  # noqa: B018


def _damage_all(cache: Path) -> None:
    db = sqlite3.connect(cache)
    with db:
        db.execute("UPDATE files SET record = x'00'")
    db.close()


def test_a_warm_refresh_reads_no_record_and_damaged_ones_are_parsed_again(ws: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ix.sqlite"
    fresh = CodeIndex(ws, cache)
    fresh.refresh()
    _damage_all(cache)
    index = CodeIndex(ws, cache)
    assert index.refresh().parsed == 0  # keys only: the damage is not seen yet
    assert index.parse_count == 0
    assert index.files == fresh.files  # reading them finds the damage and parses again
    assert index.parse_count == len(SAMPLES)
    again = CodeIndex(ws, cache)  # and the repaired rows were saved
    again.refresh()
    assert again.files == fresh.files and again.parse_count == 0


def test_one_file_is_read_without_the_others(ws: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ix.sqlite"
    fresh = CodeIndex(ws, cache)
    fresh.refresh()
    db = sqlite3.connect(cache)
    with db:
        db.execute("UPDATE files SET record = x'00' WHERE path != 'src/shapes.go'")
    db.close()
    index = CodeIndex(ws, cache)
    assert index.file("src/shapes.go") == fresh.files["src/shapes.go"]
    assert index.parse_count == 0


def test_a_cache_of_an_older_layout_is_rebuilt(ws: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ix.sqlite"
    db = sqlite3.connect(cache)
    with db:  # the first layout: JSON rows
        db.execute("CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
                   "language TEXT, definitions TEXT, refs TEXT)")
        db.execute("PRAGMA user_version = 1")
    db.close()
    index = CodeIndex(ws, cache)
    assert index.refresh().parsed == len(SAMPLES)
    assert CodeIndex(ws, cache).refresh().parsed == 0


def test_references_to_a_name_are_each_files_lines(ws: Path, tmp_path: Path) -> None:
    index = CodeIndex(ws, tmp_path / "ix.sqlite")
    index.refresh()
    for name in ("area", "Circle", "total", "nothing_uses_this"):
        want = {rel: tags.references[name] for rel, tags in index.files.items() if name in tags.references}
        assert index.references_to(name) == want
    assert index.references_to("area")["src/shapes.py"] == [17]  # line 12 defines it


def test_the_prompt_map_is_kept_until_a_file_changes(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = repo_map_for_prompt(ws, 200)
    assert first and "src/" in first

    def no_ranking(*args: object, **kwargs: object) -> None:
        raise AssertionError("ranked again although nothing changed")

    with monkeypatch.context() as m:
        m.setattr(repomap, "rank_definitions", no_ranking)
        assert repo_map_for_prompt(ws, 200) == first
    assert repo_map_for_prompt(ws, 100) != first  # another budget is another map
    (ws / "src" / "extra.py").write_text("def used_everywhere():\n    pass\n")
    for i in range(3):
        (ws / "src" / f"user{i}.py").write_text("from extra import used_everywhere\nused_everywhere()\n")
    changed = repo_map_for_prompt(ws, 200)
    assert "used_everywhere" in changed
    index = CodeIndex(ws)
    index.refresh()
    assert changed == repo_map(index, 200)


def test_the_cache_holds_compact_records(ws: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ix.sqlite"
    CodeIndex(ws, cache).refresh()
    db = sqlite3.connect(cache)
    rows = db.execute("SELECT path, language, record FROM files").fetchall()
    db.close()
    assert sorted(path for path, _, _ in rows) == sorted(f"src/{f}" for f, _ in SAMPLES.values())
    for path, language, record in rows:
        assert isinstance(record, bytes) and record.startswith(b"LR1")
        assert decode_record(record, language) == extract((ws / path).read_bytes(), language)


def test_an_edit_reaches_the_cache_and_the_records(ws: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ix.sqlite"
    index = CodeIndex(ws, cache)
    index.refresh()
    index.files  # noqa: B018 (read every record)
    _touch_later(ws / "src" / "shapes.py", "def renamed():\n    return renamed\n")
    assert index.refresh().parsed == 1
    assert [s.name for s in index.files["src/shapes.py"].definitions] == ["renamed"]
    assert index.references_to("renamed") == {"src/shapes.py": [2]}
    warm = CodeIndex(ws, cache)
    warm.refresh()
    assert warm.files == index.files
