"""benchmarks/report.py (``make bench``): docs/performance.md gets this run's measured sections,
and keeps the text above them (how the figures come about) as the engineers wrote it."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import report as bench_report  # noqa: E402


def test_the_measured_sections_are_replaced_and_the_text_above_them_kept(tmp_path):
    out = tmp_path / "performance.md"
    out.write_text("# Performance\n\nHow the figures come about:\n\n- **Cache**: kept as written.\n\n"
                   "## Batch build (old run)\n\nnaive ÷ cold 11.5\n", encoding="utf-8")
    build = tmp_path / "build_speed.md"
    build.write_text("## Batch build (this run)\n\nnaive ÷ cold 14.9\n", encoding="utf-8")
    assert bench_report.main([str(out), str(build), str(tmp_path / "scale.md")]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n\nHow the figures come about:\n\n- **Cache**: kept as written.\n")
    assert "11.5" not in text and "old run" not in text  # nothing of an earlier run
    assert "## Batch build (this run)\n\nnaive ÷ cold 14.9" in text
    assert "## scale\n\nNot measured in this run" in text  # a missing section is said missing
    again = text
    bench_report.main([str(out), str(build), str(tmp_path / "scale.md")])
    assert out.read_text(encoding="utf-8") == again  # the same run writes the same file


def test_a_new_file_starts_with_the_plain_heading(tmp_path):
    out = tmp_path / "docs" / "performance.md"
    section = tmp_path / "scale.md"
    section.write_text("## Data size\n\nmeasured\n", encoding="utf-8")
    bench_report.main([str(out), str(section)])
    text = out.read_text(encoding="utf-8")
    assert text.startswith(bench_report.HEAD) and text.endswith("## Data size\n\nmeasured\n")
