"""拟文 in headless Chromium, as a clerk uses it: fill a 会议通知 form, watch page 1 of the preview
change, make a mistake and read the message beside its field, fix it, put the input into the
inbox, and find it filed by `fawen watch --once` in the catalogue. Screenshots of each step are
written under pytest's tmp path."""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from tests.test_web import Server
from tests.test_web import fawen
from tests.test_web import get_json
from tests.test_web import ok
from tests.test_web_browser import browser  # noqa: F401 — the fixture: Debian's Chromium, no download
from tests.test_web_browser import shots  # noqa: F401
from tests.test_web_browser import wait

TITLE = "关于召开罕台镇信访工作联席会议2026年第四季度全体会议的通知"
PAGE_ONE = ("const i = document.querySelector(\"img.preview-page[data-page='1']\");"
            "return i !== null && i.complete && i.naturalWidth > 0 && !i.closest('.stale') ? i.getAttribute('src') : null;")  # fmt: skip


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("form-browser") / "ws"
    ok(fawen("init", root))
    server = Server(root)
    yield server, root
    server.stop()


def page_one_other_than(old: str | None):  # type: ignore[no-untyped-def]
    """Page 1 of the preview, decoded by the browser, from a rendering other than ``old``."""
    return lambda d: (src := d.execute_script(PAGE_ONE)) and src != old and src


def message_beside(name: str):  # type: ignore[no-untyped-def]
    """The text of the message shown in the same field as the input ``name``."""
    script = ("const i = document.querySelector(`[name='${arguments[0]}']`);"
              "return i.closest('.field').querySelector(`.field-error[data-for='${arguments[0]}']`).textContent;")  # fmt: skip
    return lambda d: d.execute_script(script, name)


def type_into(driver, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    box = driver.find_element(By.NAME, name)
    box.clear()
    box.send_keys(text)


def test_fill_a_meeting_notice_preview_fix_a_mistake_and_file_it_from_the_inbox(fresh, browser, shots):  # noqa: F811
    server, root = fresh
    driver, _downloads = browser
    driver.get(server.base + "/")
    wait(driver, ec.element_to_be_clickable((By.LINK_TEXT, "拟文")), "导航中的拟文").click()
    wait(driver, ec.element_to_be_clickable((By.LINK_TEXT, "会议通知")), "文种").click()
    wait(driver, ec.element_to_be_clickable((By.NAME, "会议.时间")), "会议通知的表单")
    assert driver.find_element(By.CSS_SELECTOR, "nav.tabs a[aria-current]").text == "会议通知"
    assert "王建国" in [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#roster-召集人 option")]
    for name, text in (("标题", TITLE), ("主送", "联席会议各成员单位"), ("会议.时间", "2026-11-20 09:00"),
                       ("会议.地点", "罕台镇人民政府三楼会议室"), ("会议.主持", "王建国"), ("会议.参会人员", "联席会议召集人、全体成员"),
                       ("会议.议题", "通报信访形势\n研究部署排查化解工作"), ("正文", "请各成员单位于11月18日前报送参会人员名单。"),
                       ("成文日期", "2026-11-12"), ("联系人", "周强"), ("联系电话", "0477-8000002")):  # fmt: skip
        type_into(driver, name, text)
    Select(driver.find_element(By.NAME, "会议.类型")).select_by_visible_text("全体会议")
    first = wait(driver, page_one_other_than(None), "预览第1页")
    assert "共 " in driver.find_element(By.ID, "preview-status").text
    driver.save_screenshot(str(shots / "1-表单与预览.png"))

    type_into(driver, "会议.地点", "罕台镇人民政府二楼会议室")
    second = wait(driver, page_one_other_than(first), "改动后预览第1页更新")
    assert second != first

    type_into(driver, "成文日期", "2026-02-30")
    wait(driver, lambda d: "不是有效日期" in message_beside("成文日期")(d), "成文日期旁的错误说明")
    assert driver.find_element(By.NAME, "成文日期").get_attribute("aria-invalid") == "true"
    assert message_beside("标题")(driver) == ""
    driver.save_screenshot(str(shots / "2-字段旁的错误.png"))

    type_into(driver, "成文日期", "2026-11-12")
    wait(driver, lambda d: message_beside("成文日期")(d) == "" and d.execute_script(PAGE_ONE), "错误消失、预览恢复")
    assert driver.find_element(By.NAME, "成文日期").get_attribute("aria-invalid") is None

    driver.find_element(By.ID, "to-inbox").click()
    done = wait(driver, ec.visibility_of_element_located((By.CSS_SELECTOR, "#result .ok")), "放入收件箱的结果")
    written = done.text.split("已放入收件箱：", 1)[1].split("。", 1)[0]
    assert written.startswith("inbox/关于召开") and written.endswith(".yaml")
    assert (root / written).is_file()
    driver.save_screenshot(str(shots / "3-已放入收件箱.png"))

    ok(fawen("-w", root, "watch", "--once"))
    assert not (root / written).exists() and not list((root / "inbox" / "rejected").glob("*.yaml"))
    filed = [e for e in get_json(server, "/items")["件"] if e["题名"] == TITLE]  # type: ignore[union-attr,index]
    assert len(filed) == 1 and filed[0]["文号"] == "罕政发〔2026〕1号"  # type: ignore[index]
    done.find_element(By.LINK_TEXT, "在档案中检索").click()
    hit = wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "li.hit a.title")), "检索到归档的件")
    assert hit.text.startswith("关于召开罕台镇信访工作联席会议")
    driver.save_screenshot(str(shots / "4-归档后检索到.png"))
    assert Path(root / "outbox").is_dir()


def test_rows_are_added_and_a_message_lands_beside_the_cell_of_the_added_row(fresh, browser, shots):  # noqa: F811
    server, _root = fresh
    driver, _downloads = browser
    driver.get(server.base + "/new?文种=" + "会议纪要")
    wait(driver, ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-add='议定事项']")), "议定事项的添加按钮").click()
    added = wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "table[data-list='议定事项'] tbody tr")[1:], "新的一行")[0]
    n = added.get_attribute("data-row")
    assert n != "1" and added.find_element(By.NAME, f"议定事项[{n}].事项") == driver.switch_to.active_element
    Select(driver.find_element(By.NAME, "会议类型")).select_by_visible_text("全体会议")
    for name, text in (("标题", "罕台镇信访工作联席会议纪要"), ("正文", "现将议定事项纪要如下。"), (f"议定事项[{n}].事项", "排查矛盾纠纷"),
                       (f"议定事项[{n}].责任单位", "平安建设办公室"), (f"议定事项[{n}].完成时限", "2026-02-30")):  # fmt: skip
        type_into(driver, name, text)
    cell = f"议定事项[{n}].完成时限"
    wait(driver, lambda d: "不是有效日期" in message_beside(cell)(d), "新行完成时限旁的错误说明")
    assert driver.find_element(By.NAME, cell).get_attribute("aria-invalid") == "true"
    driver.save_screenshot(str(shots / "5-新行中的错误.png"))
    type_into(driver, cell, "2026-11-30")
    wait(driver, page_one_other_than(None), "纪要预览第1页")
    assert message_beside(cell)(driver) == ""
