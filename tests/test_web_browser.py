"""fawen serve in a real browser: Debian's headless Chromium, driven through Debian's
chromedriver by Selenium (no browser is downloaded: scripts/setup.sh --tests installs both).
What a clerk does — search, open a hit, read page 1, switch to the 归档 copy, open the inbox,
download the catalogue — with a screenshot of each step written under pytest's tmp path."""

from __future__ import annotations

import base64
import io
import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_web import Server
from tests.test_web import built_archive
from tests.test_web import get_json
from tests.test_web import red_pixels

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT = 60  # seconds for a condition on a loaded 2-core machine; a passing test waits only as long as it must
# without the networking switches Chromium keeps calling hosts this machine cannot reach
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,768",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-quic", "--disable-features=Translate,MediaRouter", "--force-device-scale-factor=1", "--lang=zh-CN")  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    root, _before = built_archive(tmp_path_factory)
    server = Server(root)
    yield server, root
    server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    assert os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK), "bash scripts/setup.sh --tests 安装 chromium"
    downloads = tmp_path_factory.mktemp("downloads")
    profile = tempfile.mkdtemp(prefix="fawen-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False})
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager never goes looking for a driver to download
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(WAIT)
    yield driver, downloads
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


def wait(driver: webdriver.Chrome, condition, what: str):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, WAIT, poll_frequency=0.1).until(condition, message=what)


def images_loaded(copy: str):  # type: ignore[no-untyped-def]
    """The first page image of ``copy`` decoded by the browser (not merely requested)."""
    script = ("const i = document.querySelector(`img.page-image[data-copy='${arguments[0]}'][data-page='1']`);"
              "return i !== null && i.complete && i.naturalWidth > 0 ? i : null;")  # fmt: skip
    return lambda d: d.execute_script(script, copy)


def seen_top_of(driver: webdriver.Chrome, image, shot: Path) -> Image.Image:  # type: ignore[no-untyped-def]
    """What the screen shows of the image's top 36.5 mm of 297 (where the 归档章 goes)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", image)
    wait(driver, lambda d: d.execute_script("return arguments[0].getBoundingClientRect().top > -2", image), "图像滚动到位")
    driver.save_screenshot(str(shot))
    box = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width, r.height];", image)
    left, top, width, height = (max(0, round(v)) for v in box)
    screen = Image.open(shot).convert("RGB")
    return screen.crop((left, top, left + width, top + round(height * 36.5 / 297)))


def test_search_open_the_first_hit_and_see_both_copies(served, browser, shots):
    server, _root = served
    driver, _downloads = browser
    driver.get(server.base + "/")
    box = wait(driver, ec.element_to_be_clickable((By.ID, "q")), "检索框")
    box.send_keys("补偿款", Keys.ENTER)
    first = wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "li.hit a.title")), "检索结果")
    assert driver.find_elements(By.CSS_SELECTOR, "li.hit mark")[0].text == "补偿款"
    driver.save_screenshot(str(shots / "1-检索结果.png"))
    title = first.text
    first.click()
    wait(driver, ec.title_contains(title[:10]), "件的页面")
    original = wait(driver, images_loaded("正本"), "正本第1页的图像")
    assert driver.find_element(By.CSS_SELECTOR, "h1.item-title").text.startswith(title)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(shots / "2-件的页面-正本.png"))
    assert red_pixels(seen_top_of(driver, original, shots / "3-正本顶部.png")) == 0
    driver.find_element(By.ID, "tab-归档").click()
    archival = wait(driver, images_loaded("归档"), "归档件第1页的图像")
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(shots / "4-件的页面-归档件.png"))  # the README's screenshot (docs/item-page.png)
    stamp = seen_top_of(driver, archival, shots / "5-归档件顶部.png")
    assert red_pixels(stamp) > 200, "归档章不在归档件第1页的顶部"


def test_the_inbox_shows_why_a_file_was_rejected(served, browser, shots):
    server, _root = served
    driver, _downloads = browser
    driver.get(server.base + "/")
    wait(driver, ec.element_to_be_clickable((By.LINK_TEXT, "收件箱")), "导航").click()
    article = wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, "article.rejected")), "退回的文件")
    assert "缺标题.yaml" in article.find_element(By.TAG_NAME, "h3").text
    rows = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in article.find_elements(By.TAG_NAME, "tr")]
    assert ["", "标题", "缺少必填项"] in [r[:3] for r in rows]
    assert any(r[:2] == ["4", "成文日期"] and "不是有效日期" in r[2] for r in rows)
    driver.save_screenshot(str(shots / "6-收件箱.png"))


def test_download_the_catalogue_as_xlsx_and_read_it_back(served, browser, shots):
    server, _root = served
    driver, downloads = browser
    driver.get(server.base + "/items")
    wait(driver, ec.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "2026")), "年度分面").click()
    link = wait(driver, ec.element_to_be_clickable((By.ID, "catalog-xlsx")), "目录下载链接")
    driver.save_screenshot(str(shots / "7-归档文件目录.png"))
    link.click()
    target = downloads / "2026年度归档文件目录.xlsx"
    wait(driver, lambda d: target.is_file() and not list(downloads.glob("*.crdownload")), "下载完成")
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[0] == ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
    assert [r[1] for r in rows[1:]] == [e["档号"] for e in get_json(server, "/items?年度=2026")["件"]]


def test_every_page_fits_a_1366_wide_screen(served, browser):
    server, _root = served
    driver, _downloads = browser
    code = get_json(server, "/items")["件"][0]["档号"]
    for path in ("/", "/items", "/search?q=" + quote("补偿款"), "/items/" + quote(code, safe=""), "/inbox", "/numbers"):
        driver.get(server.base + path)
        wait(driver, ec.presence_of_element_located((By.CSS_SELECTOR, "footer.foot")), path)
        width, inner = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, (path, width, inner)


def test_the_print_view_prints_the_archival_copy_one_page_per_sheet(served, browser):
    server, _root = served
    driver, _downloads = browser
    item = get_json(server, "/items?文种=" + quote("请示"))["件"][0]
    driver.get(f"{server.base}/items/{quote(item['档号'], safe='')}/v1/print")
    wait(driver, lambda d: d.execute_script("return [...document.images].every(i => i.complete && i.naturalWidth > 0)"), "各页图像")
    assert driver.find_element(By.ID, "print").is_displayed()  # on screen; print.css leaves it off the paper
    a4 = PrintOptions()
    a4.page_width, a4.page_height = 21.0, 29.7
    a4.margin_top = a4.margin_bottom = a4.margin_left = a4.margin_right = 0
    pdf = PdfReader(io.BytesIO(base64.b64decode(driver.print_page(a4))))
    assert len(pdf.pages) == item["页数"]
    assert "打印" not in (pdf.pages[0].extract_text() or "")
