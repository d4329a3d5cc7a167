"""Command line: ``seoulcomm validate | audit | workbook | import | build`` (``python -m seoulcomm`` is the same).

Exit codes: 0 all well; 1 some report failed (the rest still built); 2 bad input or usage.

pandas, the loader and the audit are imported by the commands that use them: ``seoulcomm
build`` with nothing to do never imports them; the build (its runners, report and PDF
machinery) is imported by ``build`` alone.
"""
from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
import threading
import warnings

from . import paths
from .errors import DataErrors, SeoulcommError, Terminated, escape
from .outdir import os_message

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _validate(args) -> int:
    import pandas as pd

    from . import audit, load

    dataset = load.load_all(args.data)
    as_of = dataset.as_of()
    rows = []
    for name, frame in dataset.tables.items():
        years = sorted({int(y) for col in ("year", "period") if col in frame
                        for y in frame[col].dropna().unique()})
        span = (f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])) if years else ""
        rows.append({"표": name, "제목": dataset.catalog.titles[name], "행": len(frame),
                     "단위": dataset.unit(name), "연도": span, "기준일": as_of.get(name, "")})
    print(f"데이터 폴더: {dataset.data_dir}")
    with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
        print(pd.DataFrame(rows).to_string(index=False))
    print(f"표 {len(dataset.tables)}개, 행 {sum(len(f) for f in dataset.tables.values())}개, "
          f"보고 연도 {', '.join(map(str, dataset.years()))}: 모두 정상")
    print(_counts_line(audit.verdict_counts(dataset)))   # every check, without its text
    return EXIT_OK


def _counts_line(counts) -> str:
    """The audit's summary line: how many checks, and how many of each verdict (``counts``:
    :func:`seoulcomm.audit.counts` or :func:`seoulcomm.audit.verdict_counts`)."""
    from .labels import VALUE_LABELS  # pandas

    labels = VALUE_LABELS["verdict"]
    body = ", ".join(f"{labels[v]}({v}) {n}" for v, n in counts.items())
    return f"대사(reconciliation) 점검 {counts.sum()}건: {body}"


def _plain_number(x: float) -> str:
    import pandas as pd

    if pd.isna(x):
        return "-"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _audit(args) -> int:
    import pandas as pd

    from . import audit, load

    frame = audit.reconcile_frame(load.load_all(args.data))   # read only: not copied
    shown = frame if args.all else audit.findings(frame)
    if args.format == "csv":
        from . import csvout

        sys.stdout.write(csvout.to_csv(shown))  # '=…', '+…', '-…', '@…' text opens as text in Excel
    elif args.format == "json":
        sys.stdout.write(shown.to_json(orient="records", force_ascii=False, indent=1,
                                       date_format="iso") + "\n")
    else:
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 250,
                               "display.max_rows", None, "display.max_colwidth", 40):
            cols = ["table", "item", "check", "stated", "computed", "difference", "verdict", "unit"]
            num = {c: _plain_number for c in ("stated", "computed", "difference")}
            print(shown[cols].to_string(index=False, formatters=num, na_rep="-") if len(shown)
                  else "(해당 없음)")
    print(_counts_line(audit.counts(frame)), file=sys.stderr if args.format != "table" else sys.stdout)
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
    w = sub.add_parser("workbook", help="데이터를 엑셀 통합문서 하나로 씁니다(표마다 시트, 한글 열 이름, 목록)")
    w.add_argument("--out", metavar="FILE", required=True, help="쓸 통합문서 (예: 입력.xlsx)")
    w.add_argument("--data", metavar="DIR", help="데이터 폴더 (기본: 저장소의 data/)")
    w.set_defaults(run=_workbook)
    im = sub.add_parser("import", help="고친 통합문서를 검사해, 모두 통과하면 데이터 폴더의 CSV로 씁니다")
    im.add_argument("xlsx", metavar="FILE", help="seoulcomm workbook으로 만든(고친) 통합문서")
    im.add_argument("--data", metavar="DIR", help="데이터 폴더 (기본: 저장소의 data/)")
    im.set_defaults(run=_import)
    b = sub.add_parser("build", help="params/의 모든 보고서를 reports/에 만듭니다(병렬, 바뀐 것만)")
    b.add_argument("--data", metavar="DIR", help="데이터 폴더 (기본: 저장소의 data/)")
    b.add_argument("--out", metavar="DIR", help="출력 폴더 (기본: 저장소의 reports/)")
    b.add_argument("--jobs", metavar="N", type=_positive_int, help="동시에 만들 보고서 수 (기본: CPU 코어 수)")
    b.add_argument("--force", action="store_true", help="바뀐 것이 없어도 모두 다시 만듭니다")
    b.add_argument("--only", metavar="GLOB", action="append",
                   help="이름이 맞는 보고서만 (예: '2016/*', '*/city-brand', 'programs/*'); 여러 번 쓸 수 있음")
    b.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask 분산 스케줄러 주소 (예: tcp://10.0.0.5:8786); pip install 'seoulcomm[dask]'")
    b.add_argument("--pdf", action="store_true",
                   help="각 보고서 옆에 A4 PDF도 만듭니다 (PATH의 Chromium 필요)")
    b.add_argument("--cell-timeout", metavar="SEC", type=_positive_seconds, default=None,
                   help="셀 하나의 최대 실행 시간(초, 기본 600): 넘으면 그 보고서만 실패")
    b.add_argument("--report-timeout", metavar="SEC", type=_positive_seconds, default=None,
                   help="보고서 하나의 최대 실행 시간(초, 기본 900): 넘으면 그 보고서만 실패")
    b.add_argument("--pdf-timeout", metavar="SEC", type=_positive_seconds, default=None,
                   help="PDF 하나의 최대 인쇄 시간(초, 기본 120): 넘으면 그 보고서만 실패; --jobs개씩 함께 인쇄")
    b.add_argument("--load-timeout", metavar="SEC", type=_positive_seconds, default=None,
                   help="데이터를 읽는 보조 프로세스의 최대 시간(초, 기본 600): 넘으면 멈추고 직접 읽음")
    b.set_defaults(run=_build)
    return p


def _workbook(args) -> int:
    from . import workbook  # pandas

    out = workbook.export(args.out, args.data)
    print(f"통합문서: {out}")
    print("고친 뒤 'seoulcomm import' 로 가져오면 모든 검사를 통과할 때만 CSV를 씁니다.")
    return EXIT_OK


def _import(args) -> int:
    from . import workbook  # pandas

    changed = workbook.import_workbook(args.xlsx, args.data)
    folder = paths.data_dir(args.data)
    if changed:
        print(f"검사 통과 — {folder}에 CSV {len(changed)}개를 썼습니다: {', '.join(changed)}")
    else:
        print(f"검사 통과 — 바뀐 표가 없어 {folder}에 아무것도 쓰지 않았습니다")
    return EXIT_OK


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

    paths.font_files()  # a missing font is an installation problem (exit 2), not N failed reports
    summary = build.build(args.data, args.out, jobs=args.jobs, force=args.force, only=args.only,
                          scheduler=args.scheduler, pdf=args.pdf,
                          cell_timeout=getattr(args, "cell_timeout", None),
                          report_timeout=getattr(args, "report_timeout", None),
                          pdf_timeout=getattr(args, "pdf_timeout", None),
                          load_timeout=getattr(args, "load_timeout", None))
    print(summary.line())
    print(f"목록: {summary.out_dir / build.INDEX_FILE}")
    for failed in summary.failed:
        print(f"실패: {failed.name} — {failed.message}", file=sys.stderr)
    return EXIT_FAILED if summary.exit_code else EXIT_OK


def _settle(data) -> None:
    """Finish (or undo) an import a killed process left, before the data is read
    (:func:`seoulcomm.datastore.settle`); one line says so when there was one."""
    from . import datastore

    done = datastore.settle(paths.data_dir(data))
    if done in ("completed", "rolled back"):
        word = "마저 끝냈습니다" if done == "completed" else "되돌렸습니다(데이터는 그대로)"
        print(f"seoulcomm: 중단된 가져오기(import)를 {word}", file=sys.stderr)


def error_text(exc: SeoulcommError) -> str:
    """What the terminal shows for ``exc``: each problem on a line of its own starting
    ``seoulcomm:`` (its pointer lines indented under it), control characters escaped, and
    a count at the end when there were several."""
    out = []
    for line in str(exc).splitlines() or [""]:
        line = escape(line)
        out.append(line if line.startswith(" ") else f"seoulcomm: {line}")
    if isinstance(exc, DataErrors) and exc.count > 1:
        files = len({p.file for p in exc.problems})
        out.append(f"seoulcomm: 데이터 오류 {exc.count}건(파일 {files}개{' 이상' if exc.more else ''}) — "
                   "모두 고친 뒤 다시 실행하세요; 데이터 폴더에는 아무것도 쓰지 않았습니다")
    return "\n".join(out)


def _on_sigterm(signum, frame):
    raise Terminated()


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    # a figure computed on a base of 0 (예산현액 0) is shown as no rate ('-'): numpy's notes on
    # it are no news to the reader, and a raw warning line on the terminal (or in a report
    # process forked from here) is never what we print
    warnings.filterwarnings("ignore", message=r"(invalid value|divide by zero) encountered",
                            category=RuntimeWarning)
    # SIGTERM unwinds like Ctrl-C: report processes are killed, one line, exit 143
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        if args.command != "import" and hasattr(args, "data"):
            _settle(args.data)
        return args.run(args)
    except SeoulcommError as exc:
        print(error_text(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("seoulcomm: 중단했습니다(Ctrl-C)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # a full disk, a read-only folder, ...: one line, no traceback
        print(f"seoulcomm: 파일을 읽거나 쓸 수 없습니다 — {os_message(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Terminated:
        print("seoulcomm: 종료 신호(SIGTERM)를 받아 중단했습니다", file=sys.stderr)
        return 143
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run() -> None:
    """The ``seoulcomm`` command: :func:`main`, then exit without the interpreter's teardown.

    After a build this process holds the libraries and data its reports were forked from:
    freeing them object by object at exit is work nobody needs. Exit handlers run and
    output is flushed first; an unexpected exception still ends as usual
    (its traceback, exit 1).
    """
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
