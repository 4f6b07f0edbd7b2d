"""Units directory: loaded from config or CSV, and the address -> unit proposal. The
directory's rules run on the in-memory unit of work; one test holds it to the SQL store."""

import pytest
from fakes import FakeUnits, FakeUnitsOfWork

from callcenter.config import PROJECT_ROOT
from callcenter.domain.units import Coverage, DirectoryError, parse_area, propose
from callcenter.services.units import CSV_COLUMNS, UnitsDirectory, read_csv, read_toml
from callcenter.storage.engine import make_engine, migrate
from callcenter.storage.uow import UnitOfWork

SAMPLE = PROJECT_ROOT / "config" / "units.toml"


@pytest.fixture
def directory():
    return UnitsDirectory(FakeUnitsOfWork())


def test_the_fake_units_repository_answers_as_the_store_does(store_url):
    engine = make_engine(store_url)
    migrate(engine)
    fake = FakeUnits()
    toml = read_toml(SAMPLE)
    for units, coverages in (toml, ([], []), toml, (toml[0][:1], toml[1][:1])):
        with UnitOfWork(engine) as uow:
            uow.units.replace(units, coverages)
        fake.replace(units, coverages)
        with UnitOfWork(engine, read_only=True) as uow:
            real = uow.units
            assert real.all() == fake.all()
            # The store gives coverages in no promised order.
            assert sorted(real.coverages(), key=repr) == sorted(fake.coverages(), key=repr)
            codes = [u.code for u in toml[0]] + ["nobody"]
            assert real.missing(codes) == fake.missing(codes)
            for code in codes:
                assert real.get(code) == fake.get(code)
                assert real.parent_of(code) == fake.parent_of(code)
    engine.dispose()


@pytest.mark.parametrize(("address", "category", "best"), [
    ("沈河区五爱街道和谐社区3号楼2单元", "漏水", "hexie-property"),
    ("沈河区五爱街道和谐社区3号楼2单元", "供暖", "heat-station-3"),
    ("沈河区五爱街道幸福社区8号楼", "漏水", "wuai-street"),
    ("沈河区五爱街道和谐社区3号楼", "噪音", "wuai-street"),
    ("和平区南京街1号", "漏水", "housing-bureau"),
])
def test_the_narrowest_responsible_unit_is_proposed(directory, address, category, best):
    directory.replace(*read_toml(SAMPLE))
    proposals = directory.propose(address, category)
    assert proposals[0].unit == best
    assert [p.depth for p in proposals] == sorted((p.depth for p in proposals), reverse=True)


def test_address_parts_must_appear_in_order():
    cov = [Coverage("a", parse_area("五爱街道/和谐社区"))]
    assert propose("和谐社区五爱街道", "x", cov) == []
    assert propose("浑南区", "x", cov) == []


def test_csv_import_replaces_the_directory(directory, tmp_path):
    f = tmp_path / "units.csv"
    f.write_text(",".join(CSV_COLUMNS) + "\n"
                 "water,市自来水公司,,李工,024-1,024-2,24小时,沈河区;和平区,供水;漏水\n",
                 encoding="utf-8")
    directory.replace(*read_toml(SAMPLE))
    directory.replace(*read_csv(f))
    assert [u.code for u in directory.units()] == ["water"]
    assert directory.propose("和平区南京街", "供水")[0].unit == "water"
    assert directory.propose("和平区南京街", "供暖") == []


@pytest.mark.parametrize(("row", "message"), [
    ("Bad Code,名,,,,,,沈河区,", "code"),
    ("ok,,,,,,,沈河区,", "name is required"),
    ("ok,名,nobody,,,,,沈河区,", "parent"),
    ("ok,名,,,,,,,", "at least one place"),
])
def test_a_bad_import_is_refused_whole_and_loses_nothing(directory, tmp_path, row, message):
    directory.replace(*read_toml(SAMPLE))
    f = tmp_path / "units.csv"
    f.write_text(",".join(CSV_COLUMNS) + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match=message):
        directory.replace(*read_csv(f))
    assert len(directory.units()) == 4


def test_a_csv_with_the_wrong_header_is_refused(tmp_path):
    f = tmp_path / "units.csv"
    f.write_text("code,name\nx,y\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="header"):
        read_csv(f)
