"""The Brønnøysund client against the test server: HAL paging, the deep-paging cap, resumable
bulk downloads with checksums, and the CSV → Parquet conversion."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import date

import pyarrow.parquet as pq
import pytest
from statbank_server import BulkFile, StatBankServer, gzip_csv

from trsplan.errors import RegisterFileError
from trsplan.paths import shared_reference_dir
from trsplan.sources import http
from trsplan.sources.brreg import BrregClient, SearchTooBroad, csv_to_parquet
from trsplan.sources.brreg_bulk import bulk_columns
from trsplan.sources.http import DownloadError, HttpClient, QueryError, make_session


def bulk_rows(n: int = 400) -> list[dict]:
    rows = []
    for i in range(n):
        withheld = i % 5 == 0
        rows.append(
            {
                "organisasjonsnummer": f"{900000000 + i}",
                "navn": f'FIRMA {i} AS, "TEST"\nAVD. {i % 3}' if i % 50 == 0 else f"FIRMA {i} AS",
                "organisasjonsform.kode": "AS",
                "organisasjonsform.beskrivelse": "Aksjeselskap",
                "naeringskode1.kode": "01.110" if i % 2 else "62.010",
                "naeringskode1.beskrivelse": "Test",
                "harRegistrertAntallAnsatte": "false" if withheld else "true",
                "antallAnsatte": None if withheld else i % 7,  # 0 is a real zero
                "forretningsadresse.adresse": f"Gate {i}",
                "forretningsadresse.postnummer": "0150" if i % 3 == 0 else "7030",
                "forretningsadresse.poststed": "OSLO" if i % 3 == 0 else "TRONDHEIM",
                "forretningsadresse.kommune": "OSLO" if i % 3 == 0 else "TRONDHEIM",
                "forretningsadresse.kommunenummer": "0301" if i % 3 == 0 else "5001",
                "stiftelsesdato": "2019-05-02",
                "registreringsdatoEnhetsregisteret": "2019-05-10",
                "konkurs": "false",
                "underAvvikling": "true" if i == 7 else "false",
            }
        )
    return rows


#: The bulk layout's columns that ``bulk_rows`` fills, in the layout's order.
COLUMNS = bulk_columns("enheter", only=bulk_rows(1)[0])


@pytest.fixture
def clock(monkeypatch):
    class Fake:
        t = 0.0
        sleeps: list[float] = []

        def now(self):
            return self.t

        def sleep(self, s):
            self.sleeps.append(s)
            self.t += s

    fake = Fake()
    monkeypatch.setattr(http, "CLOCK", fake)
    http.reset_limiters()
    yield fake
    http.reset_limiters()


@pytest.fixture
def server(clock):
    with StatBankServer() as s:
        s.brreg_records["enheter"] = [
            {
                "organisasjonsnummer": f"{910000000 + i}",
                "navn": f"SESAM {i} AS",
                "forretningsadresse": {"kommunenummer": "5001" if i % 2 else "0301"},
            }
            for i in range(25)
        ]
        data = gzip_csv(bulk_rows(), COLUMNS)
        s.bulk["enheter"] = BulkFile(data, etag='"2026-11-27"')
        s.bulk["underenheter"] = BulkFile(gzip_csv(bulk_rows(40), COLUMNS), etag='"u1"')
        yield s


def client_for(server: StatBankServer, **kwargs) -> BrregClient:
    httpc = HttpClient(session=make_session("memory"), raw_session=make_session("off"))
    return BrregClient(server.brreg_url, http=httpc, **kwargs)


# ---------------------------------------------------------------------------------- search


def test_search_follows_hal_pages(server):
    hits = list(client_for(server, page_size=10).search("enheter", navn="sesam"))
    assert [h["organisasjonsnummer"] for h in hits] == [f"{910000000 + i}" for i in range(25)]
    pages = [dict(r["query"])["page"] for r in server.requests]
    assert pages == ["0", "1", "2"]


def test_search_passes_filters(server):
    hits = list(client_for(server, page_size=10).search("enheter", kommunenummer="5001"))
    assert len(hits) == 12
    assert all(h["forretningsadresse"]["kommunenummer"] == "5001" for h in hits)


def test_search_beyond_the_paging_cap_is_refused_up_front(server):
    server.brreg_cap = 20
    client = client_for(server, page_size=10, max_results=20)
    with pytest.raises(SearchTooBroad, match="25 hits, more than the 20"):
        list(client.search("enheter"))
    assert len(server.requests) == 1
    truncated = list(client.search("enheter", allow_truncated=True))
    assert len(truncated) == 20  # pages 0 and 1; page 2 would break the cap


def test_a_400_from_the_search_is_a_query_error(server):
    server.brreg_cap = 5
    with pytest.raises(QueryError, match="Kan ikke hente mer enn 5 treff"):
        client_for(server).search_page("enheter", 0, size=10)


def test_search_reads_the_real_hal_page_format(server):
    reference = shared_reference_dir()
    if reference is None:
        pytest.skip("../shared/reference is not present")
    page = json.loads(
        (reference / "brreg" / "enheter_search_page1_sesam_trondheim.json").read_text()
    )
    server.brreg_records["enheter"] = page["_embedded"]["enheter"] * 2  # 2 real records, twice
    hits = list(client_for(server, page_size=2).search("enheter", navn="sesam"))
    assert len(hits) == 4
    assert hits[0]["forretningsadresse"]["kommunenummer"] == "5001"
    assert hits[0]["naeringskode1"]["kode"] == "56.101"
    under = json.loads((reference / "brreg" / "underenheter_search_example.json").read_text())
    server.brreg_records["underenheter"] = under["_embedded"]["underenheter"]
    (sub,) = client_for(server).search("underenheter")
    assert sub["beliggenhetsadresse"]["kommunenummer"] == "0418"


# ---------------------------------------------------------------------------- bulk download


def test_bulk_download_streams_to_disk_with_a_checksum(server, tmp_path):
    result = client_for(server).download_bulk("enheter", tmp_path)
    data = server.bulk["enheter"].data
    assert result.path.read_bytes() == data
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.bytes == len(data)
    assert result.etag == '"2026-11-27"' and not result.resumed and not result.not_modified
    assert not list(tmp_path.glob("*.part*"))  # nothing partial left behind
    state = json.loads((tmp_path / "enheter.csv.gz.json").read_text())
    assert state["sha256"] == result.sha256


def _big_file(server) -> bytes:
    import random

    data = gzip.compress(random.Random(0).randbytes(600_000), mtime=0)  # ~600 kB, incompressible
    server.bulk["enheter"] = BulkFile(data, etag='"2026-11-27"')
    return data


def test_an_interrupted_download_resumes_with_range(server, tmp_path):
    data = _big_file(server)
    server.truncate_once = {"enheter"}
    seen: list[tuple[int, int | None]] = []
    result = client_for(server).download_bulk(
        "enheter", tmp_path, progress=lambda done, total: seen.append((done, total))
    )
    assert result.resumed and result.path.read_bytes() == data
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    statuses = [r["status"] for r in server.requests]
    assert statuses == ["200 (truncated)", 206]
    second = server.requests[1]["headers"]
    # every byte that arrived was kept: the resume starts where the connection dropped
    assert second["Range"] == f"bytes={len(data) // 2}-"
    assert second["If-Range"] == '"2026-11-27"'
    assert seen[-1] == (len(data), len(data))


def test_a_part_left_by_an_earlier_run_is_resumed(server, tmp_path):
    data = server.bulk["enheter"].data
    (tmp_path / "enheter.csv.gz.part").write_bytes(data[:1000])
    (tmp_path / "enheter.csv.gz.part.json").write_text(
        json.dumps({"url": f"{server.brreg_url}/enheter/lastned/csv", "etag": '"2026-11-27"'})
    )
    result = client_for(server).download_bulk("enheter", tmp_path)
    assert result.resumed and result.path.read_bytes() == data
    assert server.requests[0]["headers"]["Range"] == "bytes=1000-"


def test_a_part_of_an_older_file_starts_over(server, tmp_path):
    data = server.bulk["enheter"].data
    (tmp_path / "enheter.csv.gz.part").write_bytes(b"x" * 1000)
    (tmp_path / "enheter.csv.gz.part.json").write_text(
        json.dumps({"url": f"{server.brreg_url}/enheter/lastned/csv", "etag": '"yesterday"'})
    )
    result = client_for(server).download_bulk("enheter", tmp_path)
    assert not result.resumed and result.path.read_bytes() == data  # If-Range failed: 200
    assert server.requests[0]["status"] == 200


def test_an_unchanged_file_is_revalidated_not_downloaded(server, tmp_path):
    first = client_for(server).download_bulk("enheter", tmp_path)
    again = client_for(server).download_bulk("enheter", tmp_path)
    assert again.not_modified and again.sha256 == first.sha256
    assert server.requests[-1]["status"] == 304
    assert server.requests[-1]["headers"]["If-None-Match"] == '"2026-11-27"'


def test_a_checksum_mismatch_is_an_error_and_removes_the_part(server, tmp_path):
    with pytest.raises(DownloadError, match="does not match the expected"):
        client_for(server).download_bulk("enheter", tmp_path, expected_sha256="0" * 64)
    assert not list(tmp_path.glob("enheter.csv.gz*"))


def test_repeated_interruptions_give_up_keeping_the_part(server, tmp_path):
    data = _big_file(server)
    server.truncate_once = {"enheter"}
    with pytest.raises(DownloadError, match="interrupted 1 times") as info:
        client_for(server).download_bulk("enheter", tmp_path, max_attempts=1)
    kept = (tmp_path / "enheter.csv.gz.part").stat().st_size
    assert kept == len(data) // 2 and "resumes from there" in str(info.value)


# --------------------------------------------------------------------------------- Parquet


def test_csv_to_parquet_keeps_codes_as_strings_and_withheld_as_null(server, tmp_path):
    download = client_for(server).download_bulk("enheter", tmp_path)
    conversion = csv_to_parquet(download.path, tmp_path / "enheter.parquet")
    assert conversion.rows == 400 and conversion.malformed == 0
    table = pq.read_table(tmp_path / "enheter.parquet")
    schema = {f.name: str(f.type) for f in table.schema}
    assert schema["organisasjonsnummer"] == "string"
    assert schema["forretningsadresse.kommunenummer"] == "string"
    assert schema["forretningsadresse.postnummer"] == "string"
    assert schema["naeringskode1.kode"] == "string"
    assert schema["antallAnsatte"] == "int64"
    assert schema["konkurs"] == schema["harRegistrertAntallAnsatte"] == "bool"
    frame = table.to_pandas()
    assert set(frame["forretningsadresse.kommunenummer"]) == {"0301", "5001"}
    assert set(frame["forretningsadresse.postnummer"]) == {"0150", "7030"}
    withheld = frame["harRegistrertAntallAnsatte"] == False  # noqa: E712
    assert frame.loc[withheld, "antallAnsatte"].isna().all() and withheld.sum() == 80
    assert (frame.loc[~withheld, "antallAnsatte"] == 0).sum() > 0  # a real 0 stays 0
    assert frame.loc[0, "navn"] == 'FIRMA 0 AS, "TEST"\nAVD. 0'  # quotes, comma, newline
    assert frame["underAvvikling"].sum() == 1


def test_parquet_conversion_is_deterministic(server, tmp_path):
    download = client_for(server).download_bulk("enheter", tmp_path)
    csv_to_parquet(download.path, tmp_path / "a.parquet")
    csv_to_parquet(download.path, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_a_broken_file_is_a_register_file_error(tmp_path):
    (tmp_path / "x.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(RegisterFileError, match="not a readable gzip CSV"):
        csv_to_parquet(tmp_path / "x.csv.gz", tmp_path / "x.parquet")
    (tmp_path / "y.csv.gz").write_bytes(gzip.compress(b'"a","b"\n"1","2"\n'))
    with pytest.raises(RegisterFileError, match=r"lacks the column\(s\) \['organisasjonsnummer'"):
        csv_to_parquet(tmp_path / "y.csv.gz", tmp_path / "y.parquet")
    assert not (tmp_path / "y.parquet").exists()


# ----------------------------------------------------------- bad input and the synthetic register


@pytest.fixture(scope="module")
def small_register(tmp_path_factory):
    """A small SYNTHETIC register in the bulk layout (the generator at 3,000 + 1,500 units)."""
    from trsplan.demo.register import write_register

    folder = tmp_path_factory.mktemp("register")
    write_register(folder, enheter=3000, underenheter=1500, seed=7)
    return folder


def test_synthetic_register_has_the_bulk_layout_and_says_so(small_register):
    import pyarrow.csv as pacsv

    from trsplan.demo.register import ENHET_COLUMNS, UNDERENHET_COLUMNS

    units = pacsv.read_csv(small_register / "enheter.csv.gz").to_pandas()
    sites = pacsv.read_csv(small_register / "underenheter.csv.gz").to_pandas()
    assert list(units.columns) == ENHET_COLUMNS and list(sites.columns) == UNDERENHET_COLUMNS
    assert len(units) == 3000 and len(sites) == 1500
    assert units["navn"].str.startswith("SYNTETISK").all()
    assert "SYNTHETIC" in (small_register / "SYNTHETIC.txt").read_text(encoding="utf-8")
    withheld = units["harRegistrertAntallAnsatte"].eq(True) & units["antallAnsatte"].isna()
    assert withheld.sum() > 100 and units["slettedato"].notna().sum() > 10
    assert units["forretningsadresse.kommunenummer"].isna().sum() > 0  # abroad: set aside
    # both numberings: SN2025 (from 2025) has 2-digit groups such as 62.10, SN2007 3 digits
    recent = units["registreringsdatoEnhetsregisteret"].astype(str) >= "2025-01-01"
    assert recent.any() and (~recent).any()
    assert set(sites["overordnetEnhet"]) <= set(units["organisasjonsnummer"])


def test_synthetic_register_is_reproducible(tmp_path):
    from trsplan.demo.register import enheter_table

    one = enheter_table(500, date(2026, 11, 1), seed=3)
    assert one.equals(enheter_table(500, date(2026, 11, 1), seed=3))
    assert not one.equals(enheter_table(500, date(2026, 11, 1), seed=4))


def test_malformed_rows_are_counted_not_fatal(tmp_path, small_register):
    text = gzip.decompress((small_register / "enheter.csv.gz").read_bytes()).decode("utf-8")
    lines = text.splitlines(keepends=True)
    lines[5] = '"1","too few fields"\n'  # physical line 6
    lines[9] = lines[9].replace('"Bokmål"', '"Bokmål","an extra field"')  # line 10
    lines[12] = lines[12].replace(",true,", ",yes,", 1)  # a flag that is not true/false
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(gzip.compress("".join(lines).encode("utf-8")))
    conversion = csv_to_parquet(bad, tmp_path / "bad.parquet")
    assert conversion.rows == 3000 - 2
    assert conversion.malformed == 2 and conversion.malformed_lines == (6, 10)
    assert conversion.bad_values == 1
    assert "2 malformed rows skipped (first at lines 6, 10)" in conversion.summary()
    assert pq.read_table(tmp_path / "bad.parquet").num_rows == 3000 - 2


def test_a_truncated_gzip_is_an_error_and_writes_nothing(tmp_path, small_register):
    data = (small_register / "underenheter.csv.gz").read_bytes()
    cut = tmp_path / "underenheter.csv.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(RegisterFileError, match="truncated"):
        csv_to_parquet(cut, tmp_path / "underenheter.parquet")
    assert list(tmp_path.iterdir()) == [cut]


def test_a_missing_required_column_is_an_error(tmp_path, small_register):
    import pyarrow.csv as pacsv

    from trsplan.demo.register import write_csv_gz
    from trsplan.sources.brreg_bulk import read_extract

    table = pacsv.read_csv(small_register / "underenheter.csv.gz")
    write_csv_gz(table.drop_columns(["overordnetEnhet"]), tmp_path / "u.csv.gz")
    with pytest.raises(RegisterFileError, match=r"lacks the column\(s\) \['overordnetEnhet'\]"):
        csv_to_parquet(tmp_path / "u.csv.gz", tmp_path / "u.parquet", "underenheter")
    assert not (tmp_path / "u.parquet").exists()
    pq.write_table(table.drop_columns(["antallAnsatte"]), tmp_path / "v.parquet")
    with pytest.raises(RegisterFileError, match="antallAnsatte"):
        read_extract(tmp_path / "v.parquet", "underenheter")


def test_read_extract_selects_and_types_the_needed_columns(tmp_path, small_register):
    import pyarrow as pa

    from trsplan.sources.brreg_bulk import REQUIRED_COLUMNS, read_extract

    csv_to_parquet(small_register / "enheter.csv.gz", tmp_path / "e.parquet")
    table = read_extract(tmp_path / "e.parquet", "enheter")
    assert set(REQUIRED_COLUMNS["enheter"]) <= set(table.column_names)
    assert "navn" not in table.column_names
    assert table.schema.field("antallAnsatte").type == pa.int64()
    assert table.schema.field("konkurs").type == pa.bool_()
    assert pa.types.is_dictionary(table.schema.field("forretningsadresse.kommunenummer").type)


def test_bulk_columns_keep_the_layout_order_and_refuse_unknown_names():
    # postadresse has four columns (adresse, poststed, postnummer, kommunenummer): 32 - 4 - 1
    fewer = bulk_columns("enheter", omit=("postadresse", "hjemmeside"))
    assert len(fewer) == 27 and not any(c.startswith("postadresse.") for c in fewer)
    # ``only`` keeps the layout's order, not the order asked for
    assert bulk_columns("underenheter", only=["slettedato", "navn"]) == ("navn", "slettedato")
    with pytest.raises(ValueError, match="forretningsadresse.kommunenr"):
        bulk_columns("enheter", omit=["forretningsadresse.kommunenr"])
    with pytest.raises(ValueError, match="kind must be one of"):
        bulk_columns("foretak")
