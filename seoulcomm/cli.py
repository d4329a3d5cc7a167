"""Command line: ``seoulcomm validate | audit | build`` (``python -m seoulcomm`` is the same).

Exit codes: 0 all well; 1 some report failed (the rest still built); 2 bad input or usage.
"""
from __future__ import annotations

import argparse
import sys

import pandas as pd

from . import audit, load
from .errors import SeoulcommError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _validate(args) -> int:
    dataset = load.load_all(args.data)
    as_of = dataset.as_of()
    rows = []
    for name, frame in dataset.tables.items():
        years = sorted({int(y) for col in ("year", "period") if col in frame for y in frame[col].dropna()})
        span = (f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])) if years else ""
        rows.append({"표": name, "제목": dataset.catalog.titles[name], "행": len(frame),
                     "단위": dataset.unit(name), "연도": span, "기준일": as_of.get(name, "")})
    print(f"데이터 폴더: {dataset.data_dir}")
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
        print(pd.DataFrame(rows).to_string(index=False))
    print(f"표 {len(dataset.tables)}개, 행 {sum(len(f) for f in dataset.tables.values())}개, "
          f"보고 연도 {', '.join(map(str, dataset.years()))}: 모두 정상")
    print(_counts_line(audit.reconcile(dataset)))
    return EXIT_OK


def _counts_line(frame) -> str:
    counts = audit.counts(frame)
    labels = {"exact": "일치", "rounding": "반올림 차이", "truncation": "절사", "discrepancy": "불일치"}
    body = ", ".join(f"{labels[v]}({v}) {n}" for v, n in counts.items())
    return f"대사(reconciliation) 점검 {len(frame)}건: {body}"


def _plain_number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _audit(args) -> int:
    frame = audit.reconcile(load.load_all(args.data))
    shown = frame if args.all else audit.findings(frame)
    if args.format == "csv":
        sys.stdout.write(shown.to_csv(index=False))
    elif args.format == "json":
        sys.stdout.write(shown.to_json(orient="records", force_ascii=False, indent=1) + "\n")
    else:
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250,
                               "display.max_rows", None, "display.max_colwidth", 40):
            cols = ["table", "item", "check", "stated", "computed", "difference", "verdict", "unit"]
            num = {c: _plain_number for c in ("stated", "computed", "difference")}
            print(shown[cols].to_string(index=False, formatters=num) if len(shown) else "(해당 없음)")
    print(_counts_line(frame), file=sys.stderr if args.format != "table" else sys.stdout)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="seoulcomm", description="시민소통기획관 예산·집행·성과 보고서")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="데이터를 읽고 검사해 요약을 보여 줍니다")
    v.add_argument("--data", metavar="DIR", help="데이터 폴더 (기본: 저장소의 data/)")
    v.set_defaults(run=_validate)
    a = sub.add_parser("audit", help="원자료의 합계·비율·증감을 다시 계산해 대사합니다")
    a.add_argument("--data", metavar="DIR", help="데이터 폴더 (기본: 저장소의 data/)")
    a.add_argument("--format", choices=("table", "csv", "json"), default="table")
    a.add_argument("--all", action="store_true", help="일치(exact)한 점검도 모두 보입니다")
    a.set_defaults(run=_audit)
    b = sub.add_parser("build", help="params/의 모든 보고서를 reports/에 만듭니다(병렬, 바뀐 것만)")
    b.add_argument("--data", metavar="DIR", help="데이터 폴더 (기본: 저장소의 data/)")
    b.add_argument("--out", metavar="DIR", help="출력 폴더 (기본: 저장소의 reports/)")
    b.add_argument("--jobs", metavar="N", type=_positive_int, help="동시에 만들 보고서 수 (기본: CPU 코어 수)")
    b.add_argument("--force", action="store_true", help="바뀐 것이 없어도 모두 다시 만듭니다")
    b.add_argument("--only", metavar="GLOB", action="append",
                   help="이름이 맞는 보고서만 (예: '2016/*', '*/city-brand', 'programs/*'); 여러 번 쓸 수 있음")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask 분산 스케줄러 주소 (예: tcp://10.0.0.5:8786); pip install 'seoulcomm[dask]'")
    b.add_argument("--cell-timeout", metavar="SEC", type=_positive_seconds, default=None,
                   help="셀 하나의 최대 실행 시간(초, 기본 600): 넘으면 그 보고서만 실패")
    b.add_argument("--report-timeout", metavar="SEC", type=_positive_seconds, default=None,
                   help="보고서 하나의 최대 실행 시간(초, 기본 900): 넘으면 그 보고서만 실패")
    b.set_defaults(run=_build)
    return p


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"1 이상의 정수여야 합니다: {text!r}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"0보다 큰 초 단위 수여야 합니다: {text!r}")
    return value


def _build(args) -> int:
    from . import build

    summary = build.build(args.data, args.out, jobs=args.jobs, force=args.force, only=args.only,
                          scheduler=args.scheduler,
                          cell_timeout=getattr(args, "cell_timeout", None),
                          report_timeout=getattr(args, "report_timeout", None))
    print(summary.line())
    print(f"목록: {summary.out_dir / build.INDEX_FILE}")
    for failed in summary.failed:
        print(f"실패: {failed.name} — {failed.message}", file=sys.stderr)
    return EXIT_FAILED if summary.failed else EXIT_OK


def _on_sigterm(signum, frame):
    from .engine import Terminated

    raise Terminated()


def main(argv=None) -> int:
    import signal

    from .engine import Terminated

    args = parser().parse_args(argv)
    # SIGTERM unwinds like Ctrl-C: report processes are killed, one line, exit 143
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return args.run(args)
    except SeoulcommError as exc:
        print(f"seoulcomm: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("seoulcomm: 중단했습니다(Ctrl-C)", file=sys.stderr)
        return 130
    except Terminated:
        print("seoulcomm: 종료 신호(SIGTERM)를 받아 중단했습니다", file=sys.stderr)
        return 143
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return EXIT_OK
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
