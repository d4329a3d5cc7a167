"""params: the reports params/*.yaml names, expanded from the data, and parameter checking.

Expected values from DESIGN.md ("Names that checks rely on") and the data: four divisions
(000_a1ad29fe56867c6c.txt Ⅰ-1 조직: 1관 4담당관), budget years 2015 and 2016 (Ⅰ-3 예산현황),
one program (004_6b168251e7e9221a.txt).
"""
from __future__ import annotations

import pytest

from seoulcomm import DataError, UsageError, params

DIVISIONS = ["citizen-communication", "city-brand", "civil-service", "new-media"]


@pytest.fixture(scope="module")
def reports():
    return params.reports()


def test_every_division_year_office_year_and_program(reports, dataset):
    years = dataset.years()
    assert years == [2015, 2016]
    names = {r.name for r in reports}
    expected = ({f"{y}/office" for y in years} | {f"{y}/{d}" for y in years for d in DIVISIONS}
                | {"programs/social-media"} | {f"{y}/brief" for y in years})
    assert names == expected
    assert len(reports) == len(names) == 13


def test_outputs_follow_the_layout(reports):
    by_name = {r.name: r for r in reports}
    assert by_name["2016/city-brand"].output == "2016/city-brand.html"
    assert by_name["2016/city-brand"].parameters == {"division": "city-brand", "year": 2016}
    assert by_name["2015/office"].output == "2015/office.html"
    assert by_name["2015/office"].parameters == {"year": 2015}
    assert by_name["programs/social-media"].output == "programs/social-media.html"
    assert by_name["programs/social-media"].xlsx == "programs/social-media.xlsx"
    assert by_name["2016/brief"].output == "2016/brief.html"  # DESIGN.md: reports/<year>/brief.html
    assert by_name["2016/brief"].parameters == {"year": 2016}
    assert all(r.notebook.name == f"{r.kind}.ipynb" for r in reports)


def test_years_come_from_the_data_not_the_code(data_copy):
    # a 2017 budget in the data adds the 2017 reports by itself
    path = data_copy / "budget_division.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '2017,office,"41,000",100.0%,시험용 행\n'
                    '2017,city-brand,"3,000",7.3%,시험용 행\n', encoding="utf-8")
    names = {r.name for r in params.reports(data_copy)}
    assert {"2017/office", "2017/city-brand"} <= names
    # a division gets reports only for the years the data has it
    assert "2017/new-media" not in names
    assert "2017/brief" in names  # every year has the 기획관's brief
    assert len(names) == 2 * 6 + 3 + 1


def test_a_division_the_data_names_like_a_path_is_refused(data_copy):
    path = data_copy / "organisation.csv"
    path.write_text(path.read_text(encoding="utf-8")
                    + "../evil,division,악성,Evil,악성,office,,시험용 행\n", encoding="utf-8")
    # refused when the data is read (validate finds it), with the line and the character
    with pytest.raises(DataError, match="영문 소문자") as info:
        params.reports(data_copy)
    assert info.value.file == path.resolve() and info.value.column == "unit"
    assert info.value.value == "../evil" and info.value.at == 0


def test_explicit_values_and_unknown_entries_in_yaml(tmp_path, dataset):
    (tmp_path / "a.yaml").write_text(
        "reports:\n  - kind: division\n    parameters: {division: [city-brand], year: [2016, '2015']}\n"
        "  - kind: office\n    parameters: {year: [2016]}\n", encoding="utf-8")
    names = [r.name for r in params.reports(params_dir=tmp_path, ds=dataset)]
    assert names == ["2016/city-brand", "2015/city-brand", "2016/office"]
    for bad, message in [
        ("reports:\n  - kind: nosuch\n", "알 수 없는 보고서 종류 'nosuch'"),
        ("reports:\n  - kind: office\n    parameters: {division: all}\n", "없는 매개변수 'division'"),
        ("reports:\n  - kind: office\n    parameters: {year: [1999]}\n", "가능한 값: 2015, 2016"),
        ("reports:\n  - kind: program\n    parameters: {program: ['../x']}\n", "가능한 값: social-media"),
        ("reports: [\n", "읽을 수 없습니다"),
        ("something: else\n", "'reports:'"),
    ]:
        (tmp_path / "a.yaml").write_text(bad, encoding="utf-8")
        with pytest.raises(UsageError, match=message):
            params.reports(params_dir=tmp_path, ds=dataset)
    with pytest.raises(UsageError, match="params/\\*.yaml"):
        params.reports(params_dir=tmp_path / "empty", ds=dataset)


@pytest.mark.parametrize("kind, given, expected", [
    ("division", {"division": "city-brand", "year": 2016}, {"division": "city-brand", "year": 2016}),
    ("division", {"division": "new-media", "year": "2015", "data_dir": None},
     {"division": "new-media", "year": 2015, "data_dir": None}),
    ("office", {"year": 2016.0}, {"year": 2016}),
    ("program", {"program": "social-media"}, {"program": "social-media"}),
])
def test_check_accepts_and_normalises(kind, given, expected, dataset):
    assert params.check(kind, given, dataset) == expected


@pytest.mark.parametrize("key, value", [
    ("division", "../../x"), ("division", "/etc"), ("division", ""), ("division", "City-Brand"),
    ("division", "city-brand/../x"), ("division", "office"), ("division", 3),
    ("year", "../2016"), ("year", "/etc"), ("year", ""), ("year", 1999), ("year", True),
    ("year", 2016.5), ("year", "2016/x"),
])
def test_check_refuses_with_the_valid_values(key, value, dataset):
    parameters = {"division": "city-brand", "year": 2016, key: value}
    valid = "citizen-communication, city-brand, civil-service, new-media" if key == "division" else "2015, 2016"
    with pytest.raises(UsageError) as caught:
        params.check("division", parameters, dataset)
    assert f"가능한 값: {valid}" in str(caught.value)
    assert repr(value) in str(caught.value)


def test_a_refusal_among_thousands_of_divisions_names_the_closest_and_counts_the_rest():
    # a city of 1,700 divisions: the message names 12 (the closest spelling first), not 1,700
    valid = ["city-brand", "citizen-communication"] + [f"synthetic-{i:04d}" for i in range(1, 1699)]
    message = str(params._refuse("division", "citizen-comunication", valid))
    assert "가능한 값: citizen-communication, city-brand, synthetic-0001," in message
    assert message.endswith("synthetic-0010 외 1,688개 (모두 1,700개)")
    years = str(params._refuse("year", 2030, list(range(2000, 2026))))
    assert years.endswith("가능한 값: 2025, 2024, 2023, 2022, 2021, 2020, 2019, 2018, 2017, 2016, 2015, "
                          "2014 외 14개 (모두 26개)")


@pytest.mark.parametrize("value", ["../../x", "/etc", "", "nosuch", None])
def test_check_refuses_unknown_programs(value, dataset):
    with pytest.raises(UsageError, match="가능한 값: social-media"):
        params.check("program", {"program": value}, dataset)


def test_check_refuses_unknown_kind_and_parameter(dataset):
    with pytest.raises(UsageError, match="가능한 값: division, office, program"):
        params.check("../office", {"year": 2016}, dataset)
    with pytest.raises(UsageError, match="없는 매개변수 'division'.*year, data_dir"):
        params.check("office", {"year": 2016, "division": "city-brand"}, dataset)
    with pytest.raises(UsageError, match="연도\\(year\\) 매개변수가 필요합니다"):
        params.check("office", {}, dataset)


def test_output_path_refuses_anything_but_slugs_and_years():
    assert params.output_path("division", {"division": "city-brand", "year": 2016}) == "2016/city-brand.html"
    for bad in ({"division": "../x", "year": 2016}, {"division": "a", "year": "2016"},
                {"division": "a/b", "year": 2016}, {"division": "a", "year": 20160}):
        with pytest.raises(UsageError):
            params.output_path("division", bad)


@pytest.mark.parametrize("patterns, expected", [
    (None, 13), (["2016/*"], 6), (["*/city-brand"], 2), (["programs/*", "2015/office"], 2),
    (["2016/city-brand"], 1),
])
def test_select_by_glob(reports, patterns, expected):
    assert len(params.select(reports, patterns)) == expected


@pytest.mark.parametrize("pattern, message", [
    ("../x", "보고서 이름"), ("/etc/*", "보고서 이름"), ("2016/../../x", "보고서 이름"),
    ("", "빈 값"), ("   ", "빈 값"), ("nosuch", "맞는 보고서가 없습니다"), ("2099/*", "맞는 보고서가 없습니다"),
])
def test_select_refuses_paths_empty_and_unknown(reports, pattern, message):
    with pytest.raises(UsageError, match=message) as caught:
        params.select(reports, [pattern])
    assert "2016/city-brand" in str(caught.value)  # lists the names there are


def test_no_year_is_written_in_the_code():
    import ast
    import inspect

    numbers = [n.value for n in ast.walk(ast.parse(inspect.getsource(params)))
               if isinstance(n, ast.Constant) and isinstance(n.value, int)]
    assert not [n for n in numbers if 1990 <= n <= 2100]
