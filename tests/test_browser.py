"""Open every rendered report as a reader would: headless Chromium, ``file://``, no network.

Readers get the HTML by mail or from an intranet share and open it offline. Debian's
Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it) driven by Playwright's Python
client (never a downloaded browser) opens each report of one session build
(``built_reports`` in ``conftest.py``) and index.html with every non-``file:`` request
aborted and recorded, and checks:

- no request left the machine (and the page loads no other local file: it is one file);
- no console error and no uncaught script error;
- every ``<img>`` decoded (``naturalWidth > 0``), every chart an embedded raster image that
  carries its own font;
- every table present and visible (as many as the report's workbook has sheets, at least 1);
- the title and the headline figures, quoted from the source documents, are visible;
- the CSS names Korean font families readers have (Malgun Gothic, Apple SD Gothic Neo,
  Noto Sans KR, NanumGothic);
- every relative link (the .xlsx beside a report, the reports in index.html) resolves.

A full-page PNG of each page goes to ``<build output>/screenshots/`` (not committed) for a
person to look at. The check itself is tested on hand-made pages, including the promise of
issue 6: a report that loads anything from the network fails it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from seoulcomm import params

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
    # Belt and braces behind the request routing: a request that escaped it could neither
    # resolve a host name nor reach a proxy.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
]
#: Font families the page's CSS must name: Windows, macOS, Linux (Noto, Nanum) readers.
KOREAN_FONTS = ("Malgun Gothic", "Apple SD Gothic Neo", "Noto Sans KR", "NanumGothic")
VIEWPORT = {"width": 1280, "height": 900}
#: The printable width of an A4 page with the reports' 12 mm side margins, in CSS px (96/in).
A4_PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)
#: URL schemes that never leave the machine (``file:`` only without a host: on Windows
#: ``file://server/share`` — what ``//host/x`` becomes in a page opened from a file — is SMB).
LOCAL_SCHEMES = ("data:", "blob:", "about:")


def is_local(url: str) -> bool:
    """``url`` is read from this machine (a data/blob URI or a host-less ``file:`` path)."""
    if url.startswith(LOCAL_SCHEMES):
        return True
    parts = urlsplit(url)
    return parts.scheme == "file" and parts.netloc in ("", "localhost")

# Figures each report must show, quoted from the sources (000_a1ad29fe56867c6c.txt is the
# 2016 work report, 004_6b168251e7e9221a.txt the social-media program sheet). A tuple of
# alternatives is met by any one of them.
HEADLINES: dict[str, dict] = {
    # Ⅰ-3 2016년 예산현황 <부서별> 계 40,828 백만원; 세부내역 ('16.4.8 기준) 1행 집행률 22.3
    "2016/office": {"name": "시민소통기획관", "figures": ["40,828", "22.3"]},
    # Ⅰ-3 2015년도 예산 집행현황 계: 예산 36,372, 집행률 92.6
    "2015/office": {"name": "시민소통기획관", "figures": ["36,372", "92.6"]},
    # Ⅰ-3 2016년 예산현황 <부서별> 12,198; 세부내역 4행 집행률 20.7
    "2016/citizen-communication": {"name": "시민소통담당관", "figures": ["12,198", "20.7"]},
    # <부서별> 2,960; 세부내역 19행 집행률 35.8
    "2016/city-brand": {"name": "도시브랜드담당관", "figures": ["2,960", "35.8"]},
    # <부서별> 21,338 but 세부내역 24행 21,339 (the audit's truncation case); 집행률 20.3
    "2016/civil-service": {"name": "시민봉사담당관", "figures": [("21,338", "21,339"), "20.3"]},
    # <부서별> 4,331; 세부내역 33행 집행률 28.1
    "2016/new-media": {"name": "뉴미디어담당관", "figures": ["4,331", "28.1"]},
    # Ⅰ-3 2015년도 예산 집행현황: 예산, 집행률
    "2015/citizen-communication": {"name": "시민소통담당관", "figures": ["10,906", "91.6"]},
    "2015/city-brand": {"name": "도시브랜드담당관", "figures": ["1,414", "98.4"]},
    "2015/civil-service": {"name": "시민봉사담당관", "figures": ["20,654", "92.0"]},
    "2015/new-media": {"name": "뉴미디어담당관", "figures": ["3,397", "97.5"]},
    # the 기획관 brief: the office's 예산현액 and 집행률 (세부내역 ('16.4.8 기준) 1행 현액 42,170,
    # 집행률 22.3; Ⅰ-3 2015년도 예산 집행현황 계 36,372, 92.6)
    "2016/brief": {"name": "시민소통기획관", "figures": ["42,170", "22.3"]},
    "2015/brief": {"name": "시민소통기획관", "figures": ["36,372", "92.6"]},
    # 004 1 기본 현황: 총사업비 418,000 천원 (= 2 예산 총괄 2016예산(B))
    "programs/social-media": {"name": "소셜미디어를 통한 시민과의 소통 활성화",
                              "figures": ["418,000"]},
}


# ---------------------------------------------------------------------------- the check


@dataclass
class PageCheck:
    """What a reader's browser met opening one page offline."""

    path: Path
    title: str = ""
    text: str = ""
    remote_requests: list[str] = field(default_factory=list)
    local_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)
    fonts: dict[str, str] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    svg_text: int = 0
    dialogs: list[str] = field(default_factory=list)
    print_overflow: list[str] = field(default_factory=list)
    screenshot: Path | None = None

    @property
    def broken_images(self) -> list[str]:
        return [i["src"] for i in self.images if not i["ok"]]

    @property
    def visible_tables(self) -> list[dict]:
        return [t for t in self.tables if t["visible"] and t["cells"] > 0]

    def problems(self) -> list[str]:
        """What makes the page unfit to mail to a reader on a closed network."""
        found = [f"network request: {u}" for u in self.remote_requests]
        found += [f"loads another local file (not self-contained): {u}" for u in self.local_requests]
        found += [f"console error: {m}" for m in self.console_errors]
        found += [f"image not decoded: {s}" for s in self.broken_images]
        found += [f"script opened a dialog: {d}" for d in self.dialogs]
        return found


#: Collected in the page after load: images, tables, fonts, links, <link> hints.
_PAGE_FACTS_JS = """
async () => {
  const shown = el => {
    const s = getComputedStyle(el);
    return el.getClientRects().length > 0 && s.visibility !== 'hidden' && s.display !== 'none';
  };
  const images = await Promise.all([...document.images].map(async img => {
    let ok = true;
    try { await img.decode(); } catch (e) { ok = false; }
    return {src: (img.currentSrc || img.src).slice(0, 120), ok: ok && img.naturalWidth > 0,
            width: img.naturalWidth, height: img.naturalHeight, shown: shown(img)};
  }));
  const tables = [...document.querySelectorAll('table')].map(t => ({
    visible: shown(t) && t.offsetWidth > 0 && t.offsetHeight > 0,
    cells: [...t.querySelectorAll('td, th')].filter(c => c.innerText.trim() !== '').length,
    caption: (t.caption ? t.caption.innerText : '').slice(0, 80),
  }));
  const fontOf = sel => { const el = document.querySelector(sel);
                          return el ? getComputedStyle(el).fontFamily : ''; };
  const hints = [...document.querySelectorAll('link[href], [src]')]
      .map(el => el.href || el.src || '').filter(u => u !== '');
  return {
    title: document.title,
    text: document.body ? document.body.innerText : '',
    images, tables, hints,
    fonts: {body: fontOf('body'), table: fontOf('td, th'), heading: fontOf('h1, h2')},
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    svgText: document.querySelectorAll('svg text').length,
  };
}
"""


_PRINT_OVERFLOW_JS = """
width => {
  const wide = [...document.querySelectorAll('table, img, figure, pre, h1, h2, p')]
      .filter(el => el.getBoundingClientRect().right > width + 1)
      .map(el => el.tagName.toLowerCase() + ' ' + (el.innerText || el.alt || '').slice(0, 40)
                 + ' (' + Math.round(el.getBoundingClientRect().right) + 'px)');
  if (document.documentElement.scrollWidth > width + 1)
    wide.push('page ' + document.documentElement.scrollWidth + 'px');
  return wide;
}
"""


def check_page(browser, page_file: Path, screenshot: Path | None = None) -> PageCheck:
    """Open ``page_file`` from ``file://`` with the network blocked; report what happened.

    Every request whose URL is not ``file:``/``data:``/``blob:`` is aborted and recorded in
    ``remote_requests`` (so are ``<link>`` hints and ``src`` attributes pointing off the
    machine: a ``dns-prefetch`` makes no request event but still leaves); ``file:`` requests
    for anything but the page itself go to ``local_requests``. ``screenshot``: where to save
    a full-page PNG.
    """
    page_file = Path(page_file).resolve()
    url = page_file.as_uri()
    result = PageCheck(page_file)
    context = browser.new_context(viewport=VIEWPORT, service_workers="block", locale="ko-KR")

    def route(r):
        request_url = r.request.url
        if is_local(request_url):
            if request_url.startswith("file:") and request_url.split("#")[0] != url:
                result.local_requests.append(request_url)
            r.continue_()
        else:
            result.remote_requests.append(request_url)
            r.abort("blockedbyclient")

    def websocket(ws):
        result.remote_requests.append(ws.url)
        ws.close()

    def console(message):
        if message.type == "error":
            result.console_errors.append(message.text)

    def seen(request):  # whatever the route did not get to see
        if not is_local(request.url) and request.url not in result.remote_requests:
            result.remote_requests.append(request.url)

    context.route("**/*", route)
    context.route_web_socket(re.compile(".*"), websocket)
    try:
        page = context.new_page()
        page.on("console", console)
        page.on("pageerror", lambda exc: result.console_errors.append(f"uncaught: {exc}"))
        page.on("request", seen)
        page.on("dialog", lambda d: (result.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
        page.goto(url, wait_until="load", timeout=30_000)
        page.wait_for_load_state("networkidle", timeout=10_000)
        facts = page.evaluate(_PAGE_FACTS_JS)
        for hint in facts["hints"]:
            if not is_local(hint) and hint not in result.remote_requests:
                result.remote_requests.append(hint)
        result.title = facts["title"]
        result.text = facts["text"]
        result.images = facts["images"]
        result.tables = facts["tables"]
        result.fonts = facts["fonts"]
        result.links = facts["links"]
        result.svg_text = facts["svgText"]
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            result.screenshot = screenshot
        # Printed on A4: nothing may stick out past the printable width and be cut off.
        page.emulate_media(media="print")
        page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1000})
        result.print_overflow = page.evaluate(_PRINT_OVERFLOW_JS, A4_PRINT_WIDTH)
    finally:
        context.close()
    # Messages about the requests this check itself blocked are not the page's own errors.
    blocked = ("net::ERR_BLOCKED_BY_CLIENT", "net::ERR_FAILED", "net::ERR_NAME_NOT_RESOLVED")
    if result.remote_requests:
        result.console_errors = [m for m in result.console_errors if not m.endswith(blocked)
                                 and "Failed to load resource" not in m]
    return result


def style_text(page_file: Path) -> str:
    """All CSS of a page: its ``<style>`` elements and ``style`` attributes."""
    class Styles(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.css: list[str] = []
            self._in_style = False

        def handle_starttag(self, tag, attrs):
            self._in_style = tag == "style"
            self.css += [v for k, v in attrs if k == "style" and v]

        def handle_endtag(self, tag):
            if tag == "style":
                self._in_style = False

        def handle_data(self, data):
            if self._in_style:
                self.css.append(data)

    parser = Styles()
    parser.feed(Path(page_file).read_text(encoding="utf-8"))
    return "\n".join(parser.css)


def font_families(css: str) -> set[str]:
    """Every family named in a ``font-family`` declaration of ``css`` (quotes removed)."""
    names: set[str] = set()
    for decl in re.findall(r"font-family\s*:\s*([^;}]+)", css, flags=re.I):
        names |= {n.strip().strip("'\"").strip() for n in decl.split(",")}
    return names


def _normal_space(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def shows(check: PageCheck, figure) -> bool:
    """The page's visible text holds ``figure`` (or one of a tuple of alternatives)."""
    options = figure if isinstance(figure, tuple) else (figure,)
    text = _normal_space(check.text)
    return any(_normal_space(o) in text for o in options)


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, once per module."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium and fonts-nanum "
                    "(apt-get install chromium fonts-nanum; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def _expected_reports() -> list[str]:
    """Report names (``2016/city-brand``) the batch builds from params/ and data/."""
    try:
        return [r.name for r in params.reports()]
    except Exception:  # collection must not die on a broken params/; test_params says why
        return sorted(HEADLINES)


REPORT_NAMES = _expected_reports()
#: Reports with charts: every one but the 기획관 brief (one A4 page of messages and a table).
CHARTED = [n for n in REPORT_NAMES if not n.endswith("/brief")]


@pytest.fixture(scope="module")
def pages(built_reports, browser):
    """Every built page checked once (screenshots under ``<out>/screenshots/``): name → check."""
    checked: dict[str, PageCheck] = {}
    shots = built_reports / "screenshots"
    for name in [*REPORT_NAMES, "index"]:
        html_file = built_reports / f"{name}.html"
        if html_file.exists():
            checked[name] = check_page(browser, html_file, shots / f"{name}.png")
    return checked


def _page(pages, name) -> PageCheck:
    if name not in pages:
        pytest.fail(f"{name}.html was not built")
    return pages[name]


# ------------------------------------------------------------- the built reports, offline


@pytest.mark.parametrize("name", [*REPORT_NAMES, "index"])
def test_page_opens_offline_without_errors(pages, name):
    check = _page(pages, name)
    assert check.problems() == []
    assert check.screenshot is not None and check.screenshot.stat().st_size > 10_000


@pytest.mark.parametrize("name", CHARTED)
def test_report_images_decode_and_charts_are_raster(pages, name):
    check = _page(pages, name)
    assert check.images, "a report without a single chart"
    assert check.broken_images == []
    # Charts carry their own (Korean) font: embedded PNG/JPEG, not SVG text set in
    # whatever font the reader's machine has.
    assert all(i["src"].startswith(("data:image/png", "data:image/jpeg")) for i in check.images)
    assert check.svg_text == 0
    assert all(i["width"] >= 200 and i["height"] >= 100 for i in check.images), check.images


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_tables_present(pages, built_reports, name):
    check = _page(pages, name)
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.load_workbook(built_reports / f"{name}.xlsx", read_only=True)
    sheets = len([n for n in workbook.sheetnames if n != "자료 안내"])   # the note sheet is no table
    workbook.close()
    assert sheets >= 1
    hidden = [t for t in check.tables if t not in check.visible_tables]
    assert hidden == [], "tables in the HTML that a reader does not see"
    assert len(check.visible_tables) == sheets


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_title_and_headline_visible(pages, name):
    check = _page(pages, name)
    expected = HEADLINES.get(name)
    if expected is None:
        pytest.skip(f"no figures quoted from the sources for {name}")
    assert expected["name"] in check.title
    year = name.split("/")[0]
    if year.isdigit():
        assert year in check.title
    assert shows(check, expected["name"])
    missing = [f for f in expected["figures"] if not shows(check, f)]
    assert missing == []


def test_index_lists_every_report_with_its_headline(pages, built_reports):
    check = _page(pages, "index")
    targets = {_link_target(built_reports / "index.html", href) for href in check.links}
    for name in REPORT_NAMES:
        assert (built_reports / f"{name}.html").resolve() in targets, f"index.html misses {name}"
    for name, expected in HEADLINES.items():
        if name in REPORT_NAMES:
            assert shows(check, expected["name"])
            assert [f for f in expected["figures"] if not shows(check, f)] == [], name


def _link_target(page_file: Path, href: str) -> Path | None:
    """The local file a relative ``href`` of ``page_file`` opens, or None (anchor, off-site)."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    return (page_file.parent / unquote(parts.path)).resolve()


@pytest.mark.parametrize("name", [*REPORT_NAMES, "index"])
def test_links_resolve_inside_the_output(pages, built_reports, name):
    check = _page(pages, name)
    page_file = built_reports / f"{name}.html"
    root = built_reports.resolve()
    for href in check.links:
        parts = urlsplit(href)
        assert parts.scheme not in ("http", "https", "javascript"), href
        target = _link_target(page_file, href)
        if target is not None:
            assert target.is_relative_to(root) and target.exists(), href
    if name != "index":  # a report links its workbook
        xlsx = (built_reports / f"{name}.xlsx").resolve()
        assert xlsx in {_link_target(page_file, h) for h in check.links}


@pytest.mark.parametrize("name", [*REPORT_NAMES, "index"])
def test_page_fits_the_width_of_an_a4_print(pages, name):
    assert _page(pages, name).print_overflow == []


@pytest.mark.parametrize("name", [*REPORT_NAMES, "index"])
def test_css_names_korean_fonts(pages, built_reports, name):
    check = _page(pages, name)
    named = font_families(style_text(built_reports / f"{name}.html"))
    assert [f for f in KOREAN_FONTS if f not in named] == []
    # ... and the browser applies them to the text and the tables.
    for where in ("body", "table"):
        if check.fonts.get(where):
            applied = {n.strip().strip("'\"") for n in check.fonts[where].split(",")}
            assert [f for f in KOREAN_FONTS if f not in applied] == [], where


def test_a_report_loading_from_the_network_fails_the_check(browser, built_reports, tmp_path):
    """Issue 6: a new report that loads anything from the network fails the browser suite."""
    name = REPORT_NAMES[0]
    copy = tmp_path / "report.html"
    source = (built_reports / f"{name}.html").read_text(encoding="utf-8")
    script = '<script src="https://cdn.example.com/x.js"></script>'
    copy.write_text(source.replace("</head>", script + "</head>", 1), encoding="utf-8")
    assert script in copy.read_text(encoding="utf-8")
    check = check_page(browser, copy)
    assert "https://cdn.example.com/x.js" in check.remote_requests
    assert any("cdn.example.com" in p for p in check.problems())


# ------------------------------------------------------- the check itself, on made-up pages

_PNG_1PX_RED = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


def _page_html(body: str, head: str = "") -> str:
    families = ", ".join(f'"{f}"' for f in KOREAN_FONTS)
    return (f'<!doctype html><html lang="ko"><head><meta charset="utf-8">'
            f"<title>뉴미디어담당관 2016</title>"
            f"<style>body {{ font-family: {families}, sans-serif; }}</style>{head}</head>"
            f"<body>{body}</body></html>")


_GOOD_BODY = (f'<h1>뉴미디어담당관 2016</h1><p>예산 4,331 백만원, 집행률 28.1%</p>'
              f'<img alt="차트" src="data:image/png;base64,{_PNG_1PX_RED}">'
              f"<table><tr><th>구분</th><td>4,331</td></tr></table>")


def _write(tmp_path: Path, body: str, head: str = "", name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(_page_html(body, head), encoding="utf-8")
    return path


def test_check_passes_a_clean_page(browser, tmp_path):
    check = check_page(browser, _write(tmp_path, _GOOD_BODY), tmp_path / "shot.png")
    assert check.problems() == []
    assert check.title == "뉴미디어담당관 2016"
    assert shows(check, "4,331") and shows(check, "28.1") and not shows(check, "4,332")
    assert [i["width"] for i in check.images] == [1] and check.broken_images == []
    assert len(check.visible_tables) == 1
    assert (tmp_path / "shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert set(KOREAN_FONTS) <= font_families(style_text(tmp_path / "page.html"))
    assert "NanumGothic" in check.fonts["body"]


@pytest.mark.parametrize("head, body", [
    ('<script src="https://cdn.example.com/x.js"></script>', ""),
    ('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Noto+Sans+KR">', ""),
    ("<style>@import url('http://cdn.example.com/a.css');</style>", ""),
    ("<style>@font-face { font-family: X; src: url(https://cdn.example.com/f.woff2); }"
     "body { font-family: X; }</style>", "글자"),
    ("", '<img src="http://intranet.example/logo.png">'),
    ("", '<iframe src="https://example.com/"></iframe>'),
    ('<link rel="dns-prefetch" href="//cdn.example.com">', ""),
    ("", '<img src="file://fileserver/share/logo.png">'),
    ('<link rel="preconnect" href="https://cdn.example.com">', ""),
    ("", "<script>fetch('https://api.example.com/x').catch(() => {});</script>"),
    ("", "<script>try { new WebSocket('wss://ws.example.com/'); } catch (e) {}</script>"),
    ("", "<script>navigator.sendBeacon('https://t.example.com/b', 'x');</script>"),
], ids=["script", "stylesheet", "css-import", "font-face", "img", "iframe", "dns-prefetch", "unc-path",
        "preconnect", "fetch", "websocket", "beacon"])
def test_check_catches_every_way_out(browser, tmp_path, head, body):
    check = check_page(browser, _write(tmp_path, _GOOD_BODY + body, head))
    assert check.remote_requests, "a request off the machine went unnoticed"
    assert check.problems()


def test_check_catches_local_dependencies(browser, tmp_path):
    (tmp_path / "style.css").write_text("body { color: #222; }", encoding="utf-8")
    check = check_page(browser, _write(tmp_path, _GOOD_BODY, '<link rel="stylesheet" href="style.css">'))
    assert check.local_requests == [(tmp_path / "style.css").resolve().as_uri()]
    assert check.remote_requests == []


def test_check_catches_broken_images_and_console_errors(browser, tmp_path):
    body = (_GOOD_BODY + '<img src="data:image/png;base64,AAAA">'
            "<script>console.error('차트를 그리지 못했습니다');</script>"
            "<script>undefinedFunction();</script>")
    check = check_page(browser, _write(tmp_path, body))
    assert check.broken_images == ["data:image/png;base64,AAAA"]
    assert any("차트를 그리지 못했습니다" in m for m in check.console_errors)
    assert any("undefinedFunction" in m for m in check.console_errors)
    assert len(check.problems()) >= 3


def test_check_catches_dialogs(browser, tmp_path):
    check = check_page(browser, _write(tmp_path, _GOOD_BODY + "<img src=x onerror=alert(1)>"))
    assert check.dialogs == ["alert: 1"]
    assert any("dialog" in p for p in check.problems())


def test_check_sees_what_a_printed_a4_page_cuts_off(browser, tmp_path):
    check = check_page(browser, _write(tmp_path, _GOOD_BODY + '<table style="width:1200px">'
                                       "<tr><td>넓은 표</td></tr></table>"))
    assert any(o.startswith("table 넓은 표") for o in check.print_overflow)
    assert check_page(browser, _write(tmp_path, _GOOD_BODY, name="ok.html")).print_overflow == []


def test_check_sees_hidden_tables_and_hidden_text(browser, tmp_path):
    body = (_GOOD_BODY + '<table style="display:none"><tr><td>1</td></tr></table>'
            '<p style="display:none">비밀 9,999</p>')
    check = check_page(browser, _write(tmp_path, body))
    assert len(check.tables) == 2 and len(check.visible_tables) == 1
    assert not shows(check, "9,999")


def test_font_families_parses_declarations():
    css = "body{font-family:'Malgun Gothic', \"Apple SD Gothic Neo\",NanumGothic , sans-serif}"
    assert font_families(css) == {"Malgun Gothic", "Apple SD Gothic Neo", "NanumGothic", "sans-serif"}
