"""Command line: ``seoulcomm validate | audit | build`` (``python -m seoulcomm`` is the same).

Exit codes: 0 all well; 1 some report failed (the rest still built); 2 bad input or usage.
"""
from __future__ import annotations

import argparse
import sys

from . import load
from .errors import SeoulcommError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _validate(args) -> int:
    dataset = load.load_all(args.data)
    print(f"데이터 폴더: {dataset.data_dir}")
    print(f"{'표':<20} {'행':>4}  {'단위':<8} {'연도':<16} 기준일")
    for name, frame in dataset.tables.items():
        years = sorted({int(y) for col in ("year", "period") if col in frame for y in frame[col].dropna()})
        span = (f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])) if years else ""
        as_of = dataset.as_of().get(name, "")
        print(f"{name:<20} {len(frame):>4}  {dataset.unit(name):<8} {span:<16} {as_of}")
    print(f"표 {len(dataset.tables)}개, 행 {sum(len(f) for f in dataset.tables.values())}개, "
          f"보고 연도 {', '.join(map(str, dataset.years()))}: 모두 정상")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="seoulcomm", description="시민소통기획관 예산·집행·성과 보고서")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="데이터를 읽고 검사해 요약을 보여 줍니다")
    v.add_argument("--data", metavar="DIR", help="데이터 폴더 (기본: 저장소의 data/)")
    v.set_defaults(run=_validate)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except SeoulcommError as exc:
        print(f"seoulcomm: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
