#!/usr/bin/env python3
"""The console in a real browser: Debian's chromium, headless, driven through
chromium-driver by python3-selenium, against a real node this test starts.

  console_test.py PATH/TO/clientele [SCREENSHOT_FOLDER]

Signs in as three principals (admin, a cashier, a credit-only clerk), goes
through the flows of the Customers screen and checks what the API then holds.
Writes screenshots of each screen at 1280x800 and 768x1024 to
SCREENSHOT_FOLDER (docs/screenshots from ctest). Exits 77 (skipped) when
chromium, chromium-driver or python3-selenium is missing.
"""

import base64
import datetime
import json
import os
import secrets
import shutil
import hashlib
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

SKIP = 77
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SIZES = [(1280, 800), (768, 1024)]
PASSWORDS = {
    "admin": "correct horse battery staple",
    "cashier": "cashier password 1",
    "clerk": "credit clerk password",
}

try:
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service as DriverService
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    webdriver = None


def eventually(condition, seconds=15, what="a condition"):
    """Polls `condition` until it returns something true, or fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Node:
    """A node started by `clientele serve` in a temporary folder."""

    def __init__(self, binary, folder):
        self.data = os.path.join(folder, "hq")
        self.out = open(os.path.join(folder, "serve.out"), "w+")
        self.proc = subprocess.Popen(
            [binary, "serve", "--data", self.data, "--listen", "127.0.0.1:0"],
            stdout=self.out, stderr=subprocess.STDOUT)

        def port():
            self.out.seek(0)
            text = self.out.read()
            if self.proc.poll() is not None:
                raise AssertionError("the node stopped:\n" + text)
            marker = "listening on http://127.0.0.1:"
            if marker not in text:
                return None
            return int(text.split(marker, 1)[1].split(" ", 1)[0])

        self.port = eventually(port, 60, "the node to listen")
        self.base = f"http://127.0.0.1:{self.port}"
        with open(os.path.join(self.data, "first-token")) as f:
            self.token = f.read().strip()

    def call(self, method, path, body=None, token=None, headers=None, timeout=30):
        """(status, headers, JSON or text) of a request with a bearer token."""
        h = dict(headers or {})
        if token is not False:
            h["Authorization"] = "Bearer " + (token or self.token)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, hdrs, raw = r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            status, hdrs, raw = e.code, e.headers, e.read()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        return status, hdrs, payload

    def ok(self, method, path, body=None, token=None, headers=None, timeout=30):
        status, _, payload = self.call(method, path, body, token, headers, timeout)
        assert 200 <= status < 300, f"{method} {path}: {status} {payload}"
        return payload

    def customer(self, ref):
        return self.ok("GET", "/v1/customers/" + ref)

    def find(self, search):
        return self.ok("GET", "/v1/customers?status=all&search=" + urllib.request.quote(search))["customers"]

    def add_principal(self, name, permissions):
        """Adds a principal to principals.json, reloads it (SIGHUP) and sets its password."""
        path = os.path.join(self.data, "principals.json")
        with open(path) as f:
            doc = json.load(f)
        token = secrets.token_hex(32)
        doc["principals"].append({
            "name": name,
            "token_sha256": hashlib.sha256(token.encode()).hexdigest(),
            "permissions": permissions,
            "node": "*",
        })
        with open(path + ".new", "w") as f:
            json.dump(doc, f)
        os.replace(path + ".new", path)
        self.proc.send_signal(signal.SIGHUP)
        eventually(lambda: self.call("GET", "/v1/customers?limit=1", token=token)[0] == 200,
                   15, f"the node to know {name}")
        self.set_password(name)
        return token

    def set_password(self, name):
        status, _, payload = self.call("PUT", f"/v1/principals/{name}/password",
                                       {"password": PASSWORDS[name]})
        assert status == 204, f"setting {name}'s password: {status} {payload}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.out.close()


class Console:
    """The browser, on the node's console."""

    def __init__(self, node, shots):
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--lang=en-US", "--window-size=1280,800", "--hide-scrollbars"):
            options.add_argument(arg)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=DriverService(DRIVER), options=options)
        self.node = node
        self.shots = shots
        self.resize(*SIZES[0])

    def resize(self, width, height):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def open(self, path="/"):
        self.driver.get(self.node.base + path)

    def wait(self, condition, seconds=10, what="the page"):
        try:
            return WebDriverWait(self.driver, seconds, poll_frequency=0.05,
                                 ignored_exceptions=(StaleElementReferenceException,)).until(
                lambda d: condition())
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what}") from None

    def q(self, css):
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else None

    def qa(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def shown(self, css, seconds=10):
        return self.wait(lambda: (e := self.q(css)) is not None and e.is_displayed() and e,
                         seconds, css)

    def gone(self, css, seconds=10):
        self.wait(lambda: (e := self.q(css)) is None or not e.is_displayed(), seconds,
                  f"{css} to go")

    def click(self, css):
        self.shown(css).click()

    def type(self, css, text, clear=True):
        el = self.shown(css)
        if clear:
            el.send_keys(Keys.CONTROL, "a")
            el.send_keys(Keys.DELETE)
        el.send_keys(text)
        return el

    def text(self, css):
        return self.shown(css).text

    def shoot(self, name):
        """Screenshots of the page as it is, at each size."""
        if not self.shots:
            return
        for width, height in SIZES:
            self.resize(width, height)
            self.driver.execute_script("return document.body.offsetHeight")  # layout
            self.driver.save_screenshot(os.path.join(self.shots, f"{name}-{width}x{height}.png"))
        self.resize(*SIZES[0])

    # The customers table.
    def table_loads(self, after):
        """Waits for the table's load number `after`+1 or later; returns it."""
        return int(self.wait(lambda: (n := self.driver.execute_script(
            "return document.querySelector('main')?.dataset.loaded")) and int(n) > after and n,
            10, "the table to load"))

    def loaded(self):
        return int(self.driver.execute_script(
            "return document.querySelector('main')?.dataset.loaded || '0'"))

    def column(self, label):
        heads = [th.text.strip(" ▲▼\n") for th in self.qa("#customer-table thead th")]
        i = heads.index(label)
        return [tr.find_elements(By.CSS_SELECTOR, "td")[i].text
                for tr in self.qa("#customer-table tbody tr[data-id]")]

    def heads(self):
        return [th.text.strip(" ▲▼\n") for th in self.qa("#customer-table thead th:not(.actions-col)")]

    def row(self, last_name):
        for tr in self.qa("#customer-table tbody tr[data-id]"):
            if last_name in tr.text:
                return tr
        raise AssertionError(f"no row for {last_name}")

    def escape(self):
        """Presses Escape where the focus is and waits for the top dialog to close."""
        count = len(self.qa("dialog[open]"))
        assert count, "no dialog is open"
        self.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        self.wait(lambda: len(self.qa("dialog[open]")) == count - 1, what="the dialog to close")

    def sign_in(self, name, password=None):
        self.open("/")
        self.type("#signin-name", name)
        self.type("#signin-password", password or PASSWORDS[name])
        self.click(".signin button[type=submit]")

    def sign_out(self):
        self.click("#sign-out")
        self.shown("#signin-name")

    def errors(self):
        """What the browser logged as errors: script errors, refused content (the
        Content-Security-Policy); not the API's refusals the flows ask for."""
        return [e for e in self.driver.get_log("browser")
                if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]

    def quit(self):
        self.driver.quit()

    # The Reports screen.
    def report_table(self):
        """The rows of the report's table, as {column heading: shown text}."""
        heads = [th.text for th in self.qa("#report-table thead th")]
        return [dict(zip(heads, [td.text for td in tr.find_elements(By.CSS_SELECTOR, "td")]))
                for tr in self.qa("#report-table tbody tr")]

    def chart_data(self, canvas_id):
        """The labels and datasets Chart.js draws on a canvas (None before it is drawn)."""
        return self.driver.execute_script(
            "const c = window.Chart && Chart.getChart(arguments[0]);"
            "return c ? {labels: c.data.labels, datasets: c.data.datasets.map("
            "(d) => ({label: d.label, data: d.data}))} : null;", canvas_id)


FLOWS = []


def flow(fn):
    FLOWS.append(fn)
    return fn


@flow
def the_console_is_served_and_asks_to_sign_in(node, c):
    status, headers, _ = node.call("GET", "/", token=False)
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    c.open("/")
    c.shown("#signin-name")
    assert c.driver.switch_to.active_element.get_attribute("id") == "signin-name", "focus"
    c.shoot("sign-in")
    c.type("#signin-name", "admin")
    c.type("#signin-password", "not the password")
    c.click(".signin button[type=submit]")
    c.wait(lambda: "Wrong name or password" in c.text("#signin-error"), what="the refusal")
    c.shoot("sign-in-refused")


@flow
def admin_signs_in_and_sees_every_screen(node, c):
    c.sign_in("admin")
    c.table_loads(0)
    nav = [a.text for a in c.qa("nav a")]
    assert nav == ["Customers", "Duplicates", "Data", "Reports", "Settings", "Sync"], nav
    assert c.q("nav a[aria-current=page]").text == "Customers"
    assert "admin" in c.text(".principal")
    # The session cookie is not readable by scripts.
    assert "clientele_session" not in c.driver.execute_script("return document.cookie")
    cookie = c.driver.get_cookie("clientele_session")
    assert cookie and cookie["httpOnly"] and cookie.get("sameSite") == "Strict", cookie


@flow
def the_table_shows_customers_by_last_name(node, c):
    # Opening the page signed in: the first page of the table, timed from the
    # navigation's start (the Performance API).
    c.open("/#/customers")
    c.driver.refresh()
    c.table_loads(0)
    first_page_ms = c.driver.execute_script(
        "const m = performance.getEntriesByName('customers-table')[0];"
        "return m.startTime + m.duration")
    assert 0 < first_page_ms < 60000, first_page_ms
    assert c.heads() == ["First name", "Last name", "Email", "Phone", "Points", "Credit",
                         "Last visit"], c.heads()
    bold = [th.text.strip(" ▲▼\n") for th in c.qa("#customer-table th.sortable")]
    assert bold == ["First name", "Last name", "Points", "Credit", "Last visit"], bold
    names = c.column("Last name")
    assert names == sorted(names, key=str.casefold), names
    assert c.q("th[aria-sort=ascending]").text.strip(" ▲▼\n") == "Last name"
    # Numbers and dates in the browser's locale (en-US here).
    row = c.row("Lovelace")
    assert money(123450) in row.text, row.text  # in the chain's currency
    assert "Nov" in row.text, row.text
    # On a tablet (768 px wide) every column and the row buttons fit: nothing to scroll.
    c.resize(768, 1024)
    overflow = c.driver.execute_script(
        "const w = document.querySelector('.table-wrap'); return w.scrollWidth - w.clientWidth")
    c.resize(*SIZES[0])
    assert overflow <= 0, f"the table is {overflow} px too wide at 768 px"
    status = c.text("#table-status")
    assert status.startswith("1–") and status.endswith(f"of {len(SEEDED)}"), status
    c.shoot("customers")


@flow
def sorting_toggles_direction(node, c):
    n = c.loaded()
    c.click("button[data-sort=last_name]")
    n = c.table_loads(n)
    assert c.q("th[aria-sort=descending]").text.strip(" ▲▼\n") == "Last name"
    names = c.column("Last name")
    assert names == sorted(names, key=str.casefold, reverse=True), names
    # Keyboard: the header keeps the focus and Enter sorts again.
    assert c.driver.switch_to.active_element.get_attribute("data-sort") == "last_name"
    c.driver.switch_to.active_element.send_keys(Keys.ENTER)
    n = c.table_loads(n)
    assert c.q("th[aria-sort=ascending]").text.strip(" ▲▼\n") == "Last name"
    c.click("button[data-sort=credit]")
    n = c.table_loads(n)
    c.click("button[data-sort=credit]")
    n = c.table_loads(n)
    assert c.q("th[aria-sort=descending]").text.strip(" ▲▼\n") == "Credit"
    assert c.column("Last name")[0] == "Lovelace", c.column("Last name")
    c.click("button[data-sort=last_name]")
    c.table_loads(n)


@flow
def search_filters_as_you_type(node, c):
    n = c.loaded()
    c.type("#customer-search", "zola")  # finds Zola with its accent
    started = time.monotonic()
    n = c.wait(lambda: c.loaded() > n and c.column("Last name") == ["Zola"] and c.loaded(),
               what="the search's rows")
    assert time.monotonic() - started < 15
    c.type("#customer-search", "555 0199")  # a phone, in another format
    c.wait(lambda: c.column("Last name") == ["Hopper"], what="search by phone")
    c.type("#customer-search", "cust-00001")
    c.wait(lambda: c.column("Last name") == ["Lovelace"], what="search by code")
    c.shoot("customers-search")
    c.type("#customer-search", "nobody-like-this")
    c.wait(lambda: "No customer matches" in c.text("#customer-table tbody"), what="no match")
    c.type("#customer-search", Keys.BACKSPACE)  # clears all: ctrl-a, delete first
    c.wait(lambda: len(c.column("Last name")) == len(SEEDED), what="every row again")


@flow
def the_filter_dialog_shows_those_with_credit(node, c):
    c.click("#filter-button")
    c.shown("dialog[open] #filter-has-credit")
    assert c.q("dialog[open] #filter-has-points") is not None
    c.shoot("filter")
    n = c.loaded()
    c.click("dialog[open] label[for=filter-has-credit]")
    c.click("#filter-apply")
    c.gone("dialog[open]")
    c.table_loads(n)
    with_credit = sorted(name for name, s in SEEDED.items() if s.get("credit"))
    assert sorted(c.column("Last name")) == with_credit, c.column("Last name")
    assert c.text("#filter-button .badge") == "1"
    n = c.loaded()
    c.click("#filter-button")
    c.click("#filter-reset")
    c.click("#filter-apply")
    c.table_loads(n)
    assert len(c.column("Last name")) == len(SEEDED)


@flow
def adding_a_customer_shows_the_apis_reasons_and_saves(node, c):
    c.click("#add-customer")
    c.shown("dialog[open] #customer-first_name")
    c.shoot("customer-add")
    c.click("#customer-save")
    c.wait(lambda: "required" in c.text("#customer-first_name-error"), what="required")
    assert c.q("#customer-last_name").get_attribute("aria-invalid") == "true"
    c.type("#customer-first_name", "Katherine")
    c.type("#customer-last_name", "Johnson")
    c.type("#customer-email", "not an email")
    c.click("#customer-save")
    c.wait(lambda: "invalid_email" in c.text("#customer-email-error"), what="the API's reason")
    assert c.q("#customer-email").get_attribute("aria-invalid") == "true"
    assert node.find("Johnson") == [], "nothing was created"
    c.shoot("customer-add-refused")
    c.type("#customer-email", "katherine@example.com")
    c.type("#customer-phone", "+1 202 555 0100")
    n = c.loaded()
    c.click("#customer-save")
    c.gone("dialog[open]")
    c.table_loads(n)
    found = node.find("Johnson")
    assert len(found) == 1 and found[0]["email"] == "katherine@example.com", found
    assert found[0]["phone"] == "+1 202 555 0100", found
    assert "Johnson" in c.column("Last name")
    SEEDED["Johnson"] = {"id": found[0]["id"]}


@flow
def editing_saves_and_a_concurrent_edit_offers_a_reload(node, c):
    c.row("Hopper").find_element(By.CSS_SELECTOR, "button[data-action=edit]").click()
    c.shown("dialog[open] #customer-phone")
    assert c.q("#customer-first_name").get_attribute("value") == "Grace"
    info = c.text(".customer-info")
    assert "CUST-" in info and "HQ" in info, info
    c.shoot("customer-edit")
    # Someone else edits meanwhile: Save is refused (412) and a reload offered.
    node.ok("PATCH", "/v1/customers/" + SEEDED["Hopper"]["id"], {"notes": "changed elsewhere"})
    c.type("#customer-phone", "+1 202 555 0111")
    c.click("#customer-save")
    c.shown("#customer-reload")
    assert "changed this customer" in c.text("#customer-form-error")
    c.shoot("customer-edit-conflict")
    c.click("#customer-reload")
    c.wait(lambda: c.q("#customer-notes").get_attribute("value") == "changed elsewhere",
           what="the reload")
    c.type("#customer-phone", "+1 202 555 0111")
    n = c.loaded()
    c.click("#customer-save")
    c.gone("dialog[open]")
    c.table_loads(n)
    got = node.customer(SEEDED["Hopper"]["id"])
    assert got["phone"] == "+1 202 555 0111" and got["notes"] == "changed elsewhere", got


@flow
def credit_is_topped_up_and_deducted(node, c):
    ref = SEEDED["Turing"]["id"]
    before = node.customer(ref)["credit"]
    c.row("Turing").find_element(By.CSS_SELECTOR, "button[data-action=credit]").click()
    c.shown("dialog[open] #credit-amount")
    assert "Turing" in c.text("#credit-name")
    # The numpad: 2 5 . 0 0 -> 25.00
    for label in ["2", "5", "Decimal separator", "0", "0"]:
        key = [k for k in c.qa(".numpad .key")
               if k.get_attribute("aria-label") == label or k.text == label][0]
        key.click()
    assert c.q("#credit-amount").get_attribute("value") == "25.00"
    assert not c.q("#credit-deduct").is_enabled(), "more than the balance"
    c.type("#credit-note", "birthday voucher")
    c.click("#credit-top-up")
    c.wait(lambda: "payment reference" in c.text("#credit-payment-ref-error"), what="ref needed")
    c.type("#credit-payment-ref", "PAY-7788")
    c.shoot("credit")
    c.click("#credit-top-up")
    c.wait(lambda: c.text("#credit-balance") == money(2500), what="the new balance")
    assert node.customer(ref)["credit"] == before + 2500
    # The keyboard: more than the balance keeps Deduct disabled.
    c.type("#credit-amount", "25.01")
    c.wait(lambda: not c.q("#credit-deduct").is_enabled(), what="deduct disabled")
    c.type("#credit-amount", "10.5")
    c.wait(lambda: c.q("#credit-deduct").is_enabled(), what="deduct enabled")
    c.click("#credit-deduct")
    c.wait(lambda: c.text("#credit-balance") == money(1450), what="the balance after deduct")
    assert node.customer(ref)["credit"] == before + 2500 - 1050
    history = node.ok("GET", f"/v1/customers/{ref}/history")["entries"]
    assert [e["credit_change"] for e in history[:2]] == [-1050, 2500], history
    assert history[1]["reference"] == "PAY-7788" or history[1].get("note") == "birthday voucher"
    c.click("#credit-history")
    c.wait(lambda: len(c.qa("#history-table tbody tr")) >= 2, what="the history")
    c.shoot("history")
    rows = c.qa("#history-table tbody tr")
    assert "−€10.50" in rows[0].text and "+€25.00" in rows[1].text, rows[0].text
    c.escape()
    c.escape()
    c.gone("dialog[open]")


@flow
def the_clock_icon_shows_points_and_credit_history(node, c):
    c.row("Lovelace").find_element(By.CSS_SELECTOR, "button[data-action=history]").click()
    c.wait(lambda: len(c.qa("#history-table tbody tr")) >= 2, what="the history")
    heads = [th.text for th in c.qa("#history-table thead th")]
    assert heads[:4] == ["Time", "Points", "Credit", "Note or reference"], heads
    text = c.text("#history-table tbody")
    assert "+12" in text and "+€1,234.50" in text, text
    c.escape()
    c.gone("dialog[open]")


@flow
def points_are_redeemed_and_adjusted_with_a_note(node, c):
    ref = SEEDED["Lovelace"]["id"]
    assert node.customer(ref)["points"] == 12
    c.row("Lovelace").find_element(By.CSS_SELECTOR, "button[data-action=history]").click()
    c.click("#history-points")
    c.shown("dialog[open] #points-amount")
    c.type("#points-amount", "13")
    c.wait(lambda: not c.q("#points-redeem").is_enabled(), what="redeem disabled beyond the balance")
    c.type("#points-amount", "5")
    c.click("#points-redeem")
    c.wait(lambda: c.text("#points-balance") == "7", what="the balance after redeeming")
    assert node.customer(ref)["points"] == 7
    c.type("#points-amount", "3")
    c.click("#points-add")
    c.wait(lambda: "Say why" in c.text("#points-note-error"), what="the note asked for")
    c.type("#points-note", "apology for a late order")
    c.shoot("points")
    c.click("#points-add")
    c.wait(lambda: c.text("#points-balance") == "10", what="the balance after adjusting")
    assert node.customer(ref)["points"] == 10
    history = node.ok("GET", f"/v1/customers/{ref}/history")["entries"]
    assert history[0]["points_change"] == 3 and history[0]["note"] == "apology for a late order"
    c.escape()  # the points dialog
    c.wait(lambda: "apology" in c.text("#history-table tbody"), what="the history refreshed")
    c.escape()
    c.gone("dialog[open]")


@flow
def delete_asks_and_advises_deactivation_when_refused(node, c):
    # Johnson has no history: deleted after a confirmation.
    c.row("Johnson").click()
    c.click("#customer-delete")
    c.shown("dialog[open] .danger")
    c.shoot("customer-delete")
    n = c.loaded()
    [b for b in c.qa("dialog[open] button.danger") if b.text == "Delete"][-1].click()
    c.table_loads(n)
    c.gone("dialog[open]")
    assert node.find("Johnson") == []
    # Lovelace has history: refused, the advice, and Deactivate.
    c.row("Lovelace").click()
    c.click("#customer-delete")
    [b for b in c.qa("dialog[open] button.danger") if b.text == "Delete"][-1].click()
    c.wait(lambda: "Deactivate the customer instead" in c.text("#customer-form-error"),
           what="the advice")
    c.shoot("customer-delete-refused")
    c.q("#customer-form-error button").click()
    c.wait(lambda: node.customer(SEEDED["Lovelace"]["id"])["active"] is False,
           what="deactivation")
    c.shown("#customer-reactivate").click()
    c.wait(lambda: node.customer(SEEDED["Lovelace"]["id"])["active"] is True,
           what="reactivation")
    c.escape()
    c.gone("dialog[open]")


@flow
def duplicates_are_merged_after_a_side_by_side_confirmation(node, c):
    older = node.ok("POST", "/v1/customers", {"first_name": "Mae", "last_name": "Jemison",
                                              "email": "mae@example.com"})
    newer = node.ok("POST", "/v1/customers", {"first_name": "Mae", "last_name": "Jemison",
                                              "email": "MAE.J@example.com",
                                              "phone": "+1 713 555 0100",
                                              "address": "Houston, TX"})
    twin = node.ok("POST", "/v1/customers", {"first_name": "Mae C.", "last_name": "Jemison",
                                             "phone": "+1 (713) 555-0100"})
    node.ok("PATCH", f"/v1/customers/{older['id']}", {"email": "mae.j@example.com"})
    node.ok("POST", f"/v1/customers/{newer['id']}/credit/top-up",
            {"amount": 2500, "payment_ref": "pay-dup"})

    def pair_row(a, b):  # the API orders a pair by id
        return (c.q(f"#duplicates-table tr[data-codes='{a} {b}']") or
                c.q(f"#duplicates-table tr[data-codes='{b} {a}']"))
    c.click("nav a[href='#/duplicates']")
    c.wait(lambda: c.driver.execute_script("return document.querySelector('main').dataset.duplicates"),
           what="the duplicates")
    assert c.q("nav a[aria-current=page]").text == "Duplicates"
    row = c.wait(lambda: pair_row(older["code"], newer["code"]), what="the pair")
    assert "Same email" in row.text and "Same name" in row.text, row.text
    assert "Same phone" in pair_row(newer["code"], twin["code"]).text
    c.shoot("duplicates")
    row.find_element(By.CSS_SELECTOR, "button[data-action=merge]").click()
    c.shown("dialog[open] #merge-compare")
    # Both side by side; the older record stays by default, the other's credit moves.
    compare = c.text("#merge-compare")
    assert "Houston, TX" in compare and older["code"] in compare and newer["code"] in compare
    assert c.text("#merge-confirm") == f"Merge {newer['code']} into {older['code']}"
    assert "cannot be undone" in c.text("#merge-warning")
    assert f"hands over {money(2500)} of credit" in c.text("#merge-summary"), c.text("#merge-summary")
    assert c.text("#merge-after-credit") == money(2500)
    # The clerk picks the survivor, and back; then the duplicate's phone... and email.
    c.click(f"label[for=merge-survivor-{newer['code']}]")
    c.wait(lambda: c.text("#merge-confirm") == f"Merge {older['code']} into {newer['code']}",
           what="the other survivor")
    c.click(f"label[for=merge-survivor-{older['code']}]")
    c.wait(lambda: c.text("#merge-confirm") == f"Merge {newer['code']} into {older['code']}",
           what="the first survivor again")
    from selenium.webdriver.support.ui import Select
    Select(c.shown("#merge-field-email")).select_by_value("duplicate")
    assert "email" in c.text("#merge-summary")
    c.shoot("merge")
    assert node.customer(newer["id"])["id"] == newer["id"], "nothing merged before the confirmation"
    c.click("#merge-confirm")
    c.gone("dialog[open]")
    c.wait(lambda: pair_row(older["code"], newer["code"]) is None,
           what="the list refreshed")
    # The survivor took the phone: it now pairs with the third record, whose Merge has the focus.
    c.wait(lambda: pair_row(older["code"], twin["code"]), what="the survivor's new pair")
    c.wait(lambda: c.driver.switch_to.active_element.get_attribute("data-action") == "merge",
           what="the focus on the next pair")
    # The API holds the merge: the duplicate resolves to the survivor, which took its
    # credit, its address and (picked) its email, and lists its code as an alias.
    survivor = node.customer(older["id"])
    assert node.customer(newer["id"])["id"] == older["id"]
    assert node.customer(newer["code"])["id"] == older["id"]
    assert newer["code"] in survivor.get("aliases", []), survivor
    assert survivor["credit"] == 2500 and survivor["address"] == "Houston, TX", survivor
    assert survivor["email"] == "MAE.J@example.com", survivor
    # Merged meanwhile by someone else: the dialog shows the API's refusal, nothing changes.
    c.driver.switch_to.active_element.click()  # the older record with the third one
    c.shown("dialog[open] #merge-compare")
    assert c.text("#merge-confirm") == f"Merge {twin['code']} into {older['code']}"
    node.ok("POST", f"/v1/customers/{older['id']}/merge", {"duplicate": twin["id"]})
    c.click("#merge-confirm")
    c.wait(lambda: "already_merged" in c.text("#merge-error"), what="the refusal")
    c.escape()
    c.click("#duplicates-refresh")
    c.wait(lambda: pair_row(older["code"], twin["code"]) is None, what="the pair gone")
    assert node.customer(twin["id"])["id"] == older["id"]
    c.click("nav a[href='#/customers']")
    c.table_loads(0)


@flow
def erasure_with_credit_is_refused_then_written_off(node, c):
    cust = node.ok("POST", "/v1/customers", {"first_name": "Rosalind", "last_name": "Franklin",
                                             "email": "rosalind@example.com"})
    node.ok("POST", f"/v1/customers/{cust['id']}/credit/top-up",
            {"amount": 4200, "payment_ref": "pay-erase"})
    c.driver.refresh()
    c.table_loads(0)
    c.row("Franklin").click()
    c.click("#customer-erase")
    c.shown("dialog[open] #erase-reason")
    assert c.driver.switch_to.active_element.get_attribute("id") == "erase-reason"
    assert "cannot be undone" in c.text("dialog[open] .warning")
    c.click("#erase-confirm")  # no reason: asked for one, nothing sent
    c.wait(lambda: "Say why" in c.text("#erase-reason-error"), what="the reason asked for")
    c.type("#erase-reason", "customer request (GDPR art. 17)")
    c.shoot("erase")
    c.click("#erase-confirm")
    c.shown("#erase-write-off")
    assert "credit_held" in c.text("#erase-credit") and "42.00" in c.text("#erase-credit")
    assert c.text("#erase-write-off") == f"Write off {money(4200)} and erase"
    held = node.customer(cust["id"])
    assert held["last_name"] == "Franklin" and held["credit"] == 4200 and not held.get("erased")
    c.shoot("erase-credit-held")
    n = c.loaded()
    c.click("#erase-write-off")
    c.gone("dialog[open]")
    c.table_loads(n)
    erased = node.customer(cust["id"])
    assert erased["erased"] is True and erased["credit"] == 0, erased
    assert erased["first_name"] is None and erased["last_name"] is None and erased["email"] is None
    history = node.ok("GET", f"/v1/customers/{cust['id']}/history")["entries"]
    assert any(e.get("credit_change") == -4200 for e in history), history
    # The table shows the customer by code, without a name.
    row = c.shown(f"#customer-table tr[data-code='{cust['code']}']")
    assert "Franklin" not in row.text and "Rosalind" not in row.text, row.text
    c.shoot("customers-erased")
    row.click()
    c.wait(lambda: "erased" in c.text("dialog[open] .customer-status"), what="the erased status")
    assert c.q("#customer-erase") is None, "erased once"
    c.escape()


@flow
def consent_is_recorded_and_the_personal_data_downloads(node, c):
    grace = SEEDED["Hopper"]["id"]
    c.row("Hopper").click()
    c.click("dialog[open] #customer-privacy summary")
    assert c.text("#consent-email-state") == "Never asked"
    assert not c.q("#consent-email").is_selected()
    c.click("label[for=consent-email]")
    c.wait(lambda: "Agreed at HQ" in c.text("#consent-email-state"), what="the consent shown")
    consent = node.customer(grace)["consent"]
    assert consent["email"]["state"] == "granted" and consent["email"]["source"] == "hq", consent
    assert consent["sms"]["state"] == "never_asked", consent
    c.shoot("customer-consent")
    # The dialog's version moved with the consent: a save right after is not a conflict.
    c.type("#customer-notes", "prefers email")
    c.click("#customer-save")
    c.gone("dialog[open]")
    assert node.customer(grace)["notes"] == "prefers email"
    c.row("Hopper").click()
    c.click("dialog[open] #customer-privacy summary")
    href = c.shown("#customer-personal-data").get_attribute("href")
    got = c.driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      fetch(arguments[0]).then(async (r) => done([r.status, r.headers.get('Content-Disposition'), await r.text()]));
    """, href)
    assert got[0] == 200 and "personal-data-" in got[1], got[:2]
    doc = json.loads(got[2])
    assert "grace@example.com" in got[2] and "prefers email" in got[2], doc
    c.escape()


@flow
def a_customer_is_added_by_keyboard_alone(node, c):
    c.open("/#/customers")
    c.driver.refresh()
    c.table_loads(0)
    active = c.driver.switch_to.active_element
    assert active.get_attribute("id") == "customer-search", "the search has the focus"
    active.send_keys(Keys.TAB)  # the filter
    c.driver.switch_to.active_element.send_keys(Keys.TAB)  # + Add
    assert c.driver.switch_to.active_element.get_attribute("id") == "add-customer"
    c.driver.switch_to.active_element.send_keys(Keys.ENTER)
    c.shown("dialog[open] #customer-first_name")
    first = c.driver.switch_to.active_element
    assert first.get_attribute("id") == "customer-first_name"
    first.send_keys("Dorothy", Keys.TAB, "Vaughan", Keys.ENTER)
    c.gone("dialog[open]")
    assert len(node.find("Vaughan")) == 1


@flow
def a_file_is_imported_after_its_analysis(node, c):
    c.click("nav a[href='#/data']")
    c.shown("#export-link")
    got = c.driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      fetch(document.getElementById('export-link').href).then(async (r) => done([r.status, await r.text()]));
    """)
    assert got[0] == 200 and "Lovelace" in got[1], got
    c.click("label[for=export-has-credit]")  # the table's filters apply
    got = c.driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      fetch(document.getElementById('export-link').href).then(async (r) => done([r.status, await r.text()]));
    """)
    assert got[0] == 200 and "Lovelace" in got[1] and "Hopper" not in got[1], got
    folder = tempfile.mkdtemp(prefix="console-import-")
    bad = os.path.join(folder, "bad.csv")
    good = os.path.join(folder, "good.csv")
    with open(bad, "w") as f:
        f.write("First Name,Last Name,Email\r\nMary,Jackson,mary@example.com\r\nBad,Row,not-an-email\r\n")
    with open(good, "w") as f:
        f.write("First Name,Last Name,Email\r\nMary,Jackson,mary@example.com\r\n")
    c.shown("#import-file").send_keys(bad)
    c.click("#import-form button[type=submit]")
    c.shown("#import-confirm")
    assert c.text("#count-new") == "1" and c.text("#count-errors") == "1"
    assert "invalid_email" in c.text("#import-result table"), c.text("#import-result")
    assert not c.q("#import-confirm").is_enabled(), "a file with errors cannot be confirmed"
    c.shoot("data-import-errors")
    c.click("#import-discard")
    c.q("#import-file").send_keys(good)
    c.click("#import-form button[type=submit]")
    c.wait(lambda: c.q("#import-confirm") is not None and c.q("#import-confirm").is_enabled(),
           what="a confirmable analysis")
    assert node.find("Jackson") == [], "nothing before the confirmation"
    c.click("#import-confirm")
    c.shown("#import-done")
    assert len(node.find("Jackson")) == 1
    shutil.rmtree(folder, ignore_errors=True)


@flow
def the_other_screens_show(node, c):
    for path, ready in [("data", "#export-link"), ("reports", "#report-chart canvas"),
                        ("settings", "#module-customers"), ("sync", "#sync-origins tbody tr")]:
        c.click(f"nav a[href='#/{path}']")
        c.shown(ready)
        assert c.q("nav a[aria-current=page]").get_attribute("href").endswith(path)
        c.shoot(path)
    c.click("nav a[href='#/customers']")
    c.table_loads(0)



def money(cents):
    """Minor units as the console shows them in en-US, in the node's default
    currency (chain.currency EUR): 123450 -> "€1,234.50"."""
    sign = "-" if cents < 0 else ""
    return f"{sign}€{abs(cents) // 100:,}.{abs(cents) % 100:02d}"

@flow
def reports_chart_liability_over_time_and_activity_by_store(node, c):
    today = datetime.datetime.now(datetime.timezone.utc).date()
    c.click("nav a[href='#/reports']")
    # Credit liability: the table at the period's end, the chart over the period.
    canvas = c.shown("canvas#liability-chart")
    assert canvas.get_attribute("role") == "img"
    c.wait(lambda: c.chart_data("liability-chart"), what="the liability chart drawn")
    api = node.ok("GET", f"/v1/reports/liability?date={today}")
    chain = next(r for r in api["rows"] if r["store"] == "(chain)")
    label = canvas.get_attribute("aria-label")
    assert label.startswith("Credit liability, chain-wide") and money(chain["credit"]) in label, label
    data = c.chart_data("liability-chart")
    assert data["datasets"][0]["label"] == "Chain", data
    assert data["datasets"][0]["data"][-1] == chain["credit"], data
    assert len(data["labels"]) == today.day, data["labels"]  # the first of the month to today
    assert c.report_table() == [
        {k.replace("_", " "): money(v) if k == "credit" else (f"{v:,}" if isinstance(v, int) else v)
         for k, v in r.items()} for r in api["rows"]], c.report_table()
    assert c.q("#liability-series tbody tr") is not None, "the chart's figures as a table"
    c.shoot("reports-liability")
    # Over a year: at most 31 days are asked for, spread evenly, the last one the period's end.
    c.driver.execute_script("performance.clearResourceTimings();"
                            "const f = document.getElementById('report-from');"
                            "f.value = arguments[0]; f.dispatchEvent(new Event('change'));",
                            str(today.replace(year=today.year - 1)))
    c.click(".report-form button[type=submit]")
    c.wait(lambda: "every" in c.text("#report-chart figcaption") and c.chart_data("liability-chart"),
           what="the liability over a year")
    data = c.chart_data("liability-chart")
    asked = c.driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter((e) => e.name.includes('/v1/reports/liability')).length")
    assert 12 <= len(data["labels"]) <= 31 and asked <= 31, (len(data["labels"]), asked)
    assert data["datasets"][0]["data"][-1] == chain["credit"], data
    # Activity by store: a group of bars per store, summed over the period.
    Select(c.shown("#report-kind")).select_by_value("activity")
    canvas = c.shown("canvas#activity-chart")
    c.wait(lambda: c.chart_data("activity-chart"), what="the activity chart drawn")
    api = node.ok("GET", f"/v1/reports/activity?from={today.replace(day=1)}&to={today}")
    hq = [r for r in api["rows"] if r["store"] == "hq"]
    data = c.chart_data("activity-chart")
    assert data["labels"] == ["hq"], data
    series = {d["label"]: d["data"] for d in data["datasets"]}
    assert series["Purchases"] == [sum(r["purchase_amount"] for r in hq)], series
    assert series["Credit topped up"] == [sum(r["credit_topped_up"] for r in hq)], series
    label = canvas.get_attribute("aria-label")
    assert label.startswith("Activity by store") and "credit topped up " + money(series["Credit topped up"][0]) in label, label
    table = c.report_table()
    assert len(table) == len(api["rows"])
    for shown, row in zip(table, api["rows"]):
        assert shown["store"] == row["store"] and shown["date"] == row["date"], (shown, row)
        assert shown["purchase amount"] == money(row["purchase_amount"]), (shown, row)
        assert shown["credit topped up"] == money(row["credit_topped_up"]), (shown, row)
        assert shown["purchases"] == f"{row['purchases']:,}", (shown, row)
    c.shoot("reports-activity")


@flow
def reports_show_only_what_the_principal_may_see(node, c):
    # Without customers.manage_credit or manage_loyalty the API leaves out credit
    # and points figures; the charts say so.
    PASSWORDS["reporter"] = "reports only password"
    node.add_principal("reporter", ["customers.view", "reports.view"])
    c.sign_out()
    c.sign_in("reporter")
    c.table_loads(0)
    assert [a.text for a in c.qa("nav a")] == ["Customers", "Data", "Reports"]
    c.click("nav a[href='#/reports']")
    c.wait(lambda: c.q("#report-table") and c.q(".chart-note"), what="the report without figures")
    assert "no credit or points figures" in c.text(".chart-note")
    assert c.q("#liability-chart") is None
    heads = [th.text for th in c.qa("#report-table thead th")]
    assert "credit" not in heads and "points" not in heads, heads
    c.sign_out()
    c.sign_in("admin")
    c.table_loads(0)


@flow
def settings_change_the_loyalty_program_and_show_refusals(node, c):
    before = node.ok("GET", "/v1/settings")["loyalty_program"]
    c.click("nav a[href='#/settings']")
    c.shown("#program-form")
    assert not c.q("#program-expiry_months").is_displayed(), "months only for an expiring policy"
    # A refusal shows next to its field, and changes nothing.
    Select(c.q("#program-expiry")).select_by_value("after_inactivity")
    c.type("#program-expiry_months", "200")
    c.click("#program-form button[type=submit]")
    c.wait(lambda: "between 1 and 120" in c.text("#program-expiry_months-error"), what="the months refused")
    assert c.q("#program-expiry_months").get_attribute("aria-invalid") == "true"
    assert node.ok("GET", "/v1/settings")["loyalty_program"] == before
    c.shoot("settings-program-refused")
    # Saved: 2 points per 1.00, expiring at the end of the 12th month after earning.
    c.type("#program-points", "2")
    c.type("#program-per_amount", "100")
    Select(c.q("#program-expiry")).select_by_value("months_after_earning")
    c.type("#program-expiry_months", "12")
    c.click("#program-form button[type=submit]")
    want = {"points": 2, "per_amount": 100, "rounding": before["rounding"],
            "expiry": "months_after_earning", "expiry_months": 12}
    c.wait(lambda: node.ok("GET", "/v1/settings")["loyalty_program"] == want, what="the program saved")
    c.wait(lambda: "Loyalty program saved" in c.text("#toast"), what="the toast")
    assert c.q("#program-expiry_months").get_attribute("value") == "12"
    assert c.q("#program-expiry_months").get_attribute("aria-invalid") is None
    # A module others depend on is not switched off: the API's reason is shown.
    assert "Needed by Loyalty points (on), Customer credit (on)" in c.text("#module-customers-deps")
    c.click("label[for=module-customers]")
    c.wait(lambda: "disable it first" in c.text("#module-customers-error"), what="the refusal")
    assert c.q("#module-customers-error").get_attribute("data-reason") == "module_has_dependents"
    assert c.q("#module-customers").is_selected(), "the switch stays on"
    assert node.ok("GET", "/v1/settings")["modules"]["customers"] is True
    c.shoot("settings-module-refused")
    node.ok("PUT", "/v1/settings/loyalty-program", before)


@flow
def sync_shows_each_stores_lag_and_gaps(node, c):
    c.click("nav a[href='#/sync']")
    c.shown("#sync-origins tbody tr[data-node=hq]")
    assert c.text("#sync-empty h2") == "No stores yet"
    assert c.text("#sync-state") == "In sync"
    c.shoot("sync-no-stores")
    # A store enrolled that reported events 1..7 of its own, none of them here yet.
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    node.ok("POST", "/v1/nodes", {"node": "s1", "public_key": key})
    node.ok("POST", "/v1/sync/holdings",
            {"node": "s1", "origins": [{"origin": "s1", "through": 7, "highest": 7}]})
    c.click("#sync-refresh")
    row = c.shown("#sync-origins tbody tr[data-node=s1]")
    cells = [td.text for td in row.find_elements(By.CSS_SELECTOR, "td")]
    heads = [th.text for th in c.qa("#sync-origins thead th")][1:]
    got = dict(zip(heads, cells))
    assert got["Highest the node reported"] == "7" and got["Lag: events not here yet"] == "7", got
    assert got["Signing keys"] == "1 active, 0 revoked", got
    assert c.q("#sync-empty") is None
    status = node.ok("GET", "/v1/sync/status")
    assert [r["own"]["highest"] for r in status["peer_reports"] if r["node"] == "s1"] == [7]
    c.shoot("sync")
    c.click("nav a[href='#/customers']")
    c.table_loads(0)

@flow
def a_module_switched_off_hides_its_column(node, c):
    c.click("nav a[href='#/settings']")
    c.shown("#module-loyalty_points")
    c.click("label[for=module-loyalty_points]")
    c.wait(lambda: node.ok("GET", "/v1/settings")["modules"]["loyalty_points"] is False,
           what="the module off")
    c.click("nav a[href='#/customers']")
    c.wait(lambda: c.loaded() and "Points" not in c.heads() and "Credit" in c.heads(),
           what="the table without points")
    c.click("nav a[href='#/settings']")
    c.click("label[for=module-loyalty_points]")
    c.wait(lambda: node.ok("GET", "/v1/settings")["modules"]["loyalty_points"] is True,
           what="the module on")
    c.click("nav a[href='#/customers']")
    c.wait(lambda: c.loaded() and "Points" in c.heads(), what="the points again")


@flow
def an_ended_session_returns_to_the_sign_in(node, c):
    c.driver.delete_cookie("clientele_session")  # as a restart or an expiry would
    c.click("button[data-sort=first_name]")
    c.wait(lambda: c.q("#signin-name") is not None, what="the sign-in form")
    assert "session has ended" in c.text("#signin-error")
    c.sign_in("admin")
    c.table_loads(0)


@flow
def writes_need_the_csrf_token(node, c):
    got = c.driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      fetch('/v1/customers', {method: 'POST', headers: {'Content-Type': 'application/json'},
                              body: JSON.stringify({first_name: 'Eve', last_name: 'Forged'})})
        .then(async (r) => done([r.status, await r.text()]));
    """)
    assert got[0] == 403 and "csrf_token_invalid" in got[1], got
    assert node.find("Forged") == []


@flow
def admin_signs_out(node, c):
    c.sign_out()
    got = c.driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      fetch('/v1/session').then((r) => done(r.status));
    """)
    assert got == 401, got
    c.open("/#/customers")
    c.shown("#signin-name")


@flow
def the_credit_clerk_sees_credit_only(node, c):
    c.sign_in("clerk")
    c.table_loads(0)
    nav = [a.text for a in c.qa("nav a")]
    assert nav == ["Customers", "Data"], nav
    assert c.heads() == ["First name", "Last name", "Email", "Phone", "Credit", "Last visit"], c.heads()
    assert c.q("#add-customer") is None
    assert c.qa("button[data-action=edit]") == [], "rows are not editable"
    assert "interactive" not in (c.row("Turing").get_attribute("class") or "")
    c.shoot("customers-credit-clerk")
    before = node.customer(SEEDED["Turing"]["id"])["credit"]
    c.row("Turing").find_element(By.CSS_SELECTOR, "button[data-action=credit]").click()
    c.type("#credit-amount", "1")
    c.click("#credit-deduct")
    c.wait(lambda: node.customer(SEEDED["Turing"]["id"])["credit"] == before - 100,
           what="the clerk's deduction")
    c.wait(lambda: c.driver.switch_to.active_element.get_attribute("id") == "credit-amount",
           what="the focus back on the amount")
    c.escape()
    # The API refuses what the page does not offer, if the page is edited.
    got = c.driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      import('/console/api.js').then((m) =>
        m.api('POST', '/v1/customers', {body: {first_name: 'No', last_name: 'Way'}})
          .then(() => done(0), (e) => done([e.status, e.reason])));
    """)
    assert got == [403, "permission_denied"], got
    c.sign_out()


@flow
def the_cashier_adds_but_sees_no_points_or_credit(node, c):
    c.sign_in("cashier")
    c.table_loads(0)
    assert c.heads() == ["First name", "Last name", "Email", "Phone", "Last visit"], c.heads()
    assert c.q("#add-customer") is not None
    assert c.qa("button[data-action=credit]") == []
    c.shoot("customers-cashier")
    c.row("Zola").click()
    c.shown("dialog[open] #customer-first_name")
    assert c.q("#customer-delete") is None, "delete needs customers.manage"
    assert "Credit" not in c.text(".customer-info")
    c.escape()
    c.sign_out()


@flow
def the_cashier_sees_neither_duplicates_nor_erasure(node, c):
    c.sign_in("cashier")
    c.table_loads(0)
    nav = [a.text for a in c.qa("nav a")]
    assert nav == ["Customers", "Data"], nav
    c.open("/#/duplicates")  # typed into the address bar: the screen is not there
    c.wait(lambda: c.driver.current_url.endswith("#/customers"), what="the customers screen")
    assert c.q("#duplicates-table") is None
    c.table_loads(0)
    c.row("Zola").click()
    c.shown("dialog[open] #customer-first_name")
    assert c.q("#customer-erase") is None, "erasing needs customers.erase"
    c.click("dialog[open] #customer-privacy summary")
    assert c.shown("#consent-email").is_enabled(), "consent needs customers.edit only"
    assert c.q("#customer-personal-data") is None, "the document needs customers.export_personal"
    c.escape()
    # The page edited to erase anyway, with the session's own CSRF token: refused.
    zola = SEEDED["Zola"]["id"]
    got = c.driver.execute_async_script("""
      const done = arguments[arguments.length - 1];
      import('/console/api.js').then((m) => fetch(`/v1/customers/${arguments[0]}/erase`, {
        method: 'POST', credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': m.currentCsrfToken()},
        body: JSON.stringify({reason: 'edited page', write_off_credit: true})})
      ).then(async (r) => done([r.status, await r.text()]));
    """, zola)
    assert got[0] == 403 and "permission_denied" in got[1], got
    assert node.customer(zola)["last_name"] == "Zola" and not node.customer(zola).get("erased")
    c.sign_out()


@flow
def repeated_failures_lock_the_name(node, c):
    c.open("/")
    for _ in range(5):
        c.type("#signin-name", "cashier")
        c.type("#signin-password", "a wrong password")
        c.click(".signin button[type=submit]")
        c.wait(lambda: "Wrong name or password" in c.text("#signin-error"), what="a refusal")
        c.driver.execute_script("document.getElementById('signin-error').textContent = ''")
    c.type("#signin-name", "cashier")
    c.type("#signin-password", PASSWORDS["cashier"])
    c.click(".signin button[type=submit]")
    c.wait(lambda: "Too many failed attempts" in c.text("#signin-error"), what="the lockout")
    assert c.q("#sign-out") is None, "not signed in, even with the right password"
    c.shoot("sign-in-locked")


def import_many(node, count):
    """Adds `count` customers through one import (a CSV upload, then its confirm)."""
    first = ["Ada", "Grace", "Alan", "Émile", "Bo", "Mary", "Dorothy", "Katherine", "Hedy", "Linus"]
    last = ["Müller", "Nuñez", "Okafor", "Svensson", "Tanaka", "Dubois", "Rossi", "Kowalski",
            "Haddad", "Lindqvist", "O'Brien", "Zhang", "Petrov", "García", "Nakamura"]
    rows = ["First Name,Last Name,Email,Phone"]
    for i in range(count):
        rows.append(f"{first[i % len(first)]},{last[(i // 7) % len(last)]}{i // 105},"
                    f"bulk{i}@example.com,+41 79 {i // 10000:03d} {i % 10000:04d}")
    body = ("\r\n".join(rows) + "\r\n").encode()
    req = urllib.request.Request(node.base + "/v1/customers/imports", data=body, method="POST",
                                 headers={"Authorization": "Bearer " + node.token,
                                          "Content-Type": "text/csv"})
    with urllib.request.urlopen(req, timeout=3600) as r:
        analysis = json.loads(r.read())
    assert analysis["counts"]["new"] == count, analysis["counts"]
    node.ok("POST", f"/v1/customers/imports/{analysis['id']}/confirm", {}, timeout=3600)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


@flow
def with_many_customers_the_table_and_search_stay_quick(node, c):
    """With CONSOLE_TEST_CUSTOMERS=N (e.g. 1000000), N more customers: the first page's
    time from the page's start, and search as you type timed per answer (from the key
    that made the search to its rows on screen), as figure: lines. Without it, the same on the few there are."""
    count = int(os.environ.get("CONSOLE_TEST_CUSTOMERS", "0"))
    if count:
        started = time.monotonic()
        import_many(node, count)
        FIGURES["console_bulk_import"] = (round(time.monotonic() - started), "s")
    FIGURES["console_customers"] = (
        node.ok("GET", "/v1/customers?status=all&limit=1")["total"], "customers")
    c.sign_in("admin")
    c.table_loads(0)
    c.driver.refresh()
    c.table_loads(0)
    # From the navigation's start to the first page's rows on screen, a few
    # times: the median.
    firsts = []
    for _ in range(5):
        c.driver.refresh()
        c.table_loads(0)
        firsts.append(c.driver.execute_script(
            "const m = performance.getEntriesByName('customers-table')[0];"
            "return m.startTime + m.duration"))
    FIGURES["console_first_page"] = (round(percentile(firsts, 50)), "ms")
    search = c.shown("#customer-search")
    words = ["mu", "nun", "oka", "sven", "tan", "dub", "ros", "kow", "had", "lind", "zhang",
             "pet", "gar", "naka", "ada", "grace", "bulk12", "+41 79 001", "obrien", "emile"]
    durations = []
    for _ in range(int(os.environ.get("CONSOLE_TEST_SEARCH_ROUNDS", "5" if count else "1"))):
        for word in words:
            c.driver.execute_script("performance.clearMeasures('customers-search')")
            search.send_keys(Keys.CONTROL, "a")
            search.send_keys(Keys.DELETE)
            for ch in word:  # as a person types, a key at a time
                search.send_keys(ch)
            # Each answer shown, timed from the key that made its search to its
            # rows on screen; the last one is the whole word's.
            shown = c.wait(lambda: c.driver.execute_script(
                "const m = performance.getEntriesByName('customers-search');"
                "return m.length && m[m.length - 1].detail === arguments[0]"
                "  && m.map((x) => x.duration)", word), 15, f"the rows for {word!r}")
            durations += shown
    FIGURES["console_search_answers"] = (len(durations), "answers")
    FIGURES["console_search_p50"] = (round(percentile(durations, 50)), "ms")
    FIGURES["console_search_p99"] = (round(percentile(durations, 99)), "ms")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.DELETE)
    c.sign_out()


SEEDED = {}
FIGURES = {}


def seed(node):
    people = [
        ("Ada", "Lovelace", {"email": "ada@example.com", "phone": "+44 20 7946 0018"}),
        ("Grace", "Hopper", {"email": "grace@example.com", "phone": "+1 202 555 0199"}),
        ("Alan", "Turing", {"email": "alan@example.com"}),
        ("Émile", "Zola", {"phone": "+33 1 23 45 67 89"}),
        ("Bo", "Li", {}),
    ]
    for first, last, extra in people:
        c = node.ok("POST", "/v1/customers", {"first_name": first, "last_name": last, **extra})
        SEEDED[last] = {"id": c["id"]}
    ada = SEEDED["Lovelace"]["id"]
    node.ok("POST", f"/v1/customers/{ada}/purchases",
            {"tab_id": "tab-1", "amount": 1250, "paid_at": "2026-11-20T10:00:00Z"})
    node.ok("POST", f"/v1/customers/{ada}/credit/top-up",
            {"amount": 123450, "payment_ref": "pay-1", "note": "opening balance"})
    SEEDED["Lovelace"]["credit"] = 123450


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    shots = sys.argv[2] if len(sys.argv) > 2 else None
    missing = [what for what, ok in [
        ("python3-selenium", webdriver is not None),
        ("chromium", os.path.exists(CHROMIUM)),
        ("chromium-driver", os.path.exists(DRIVER))] if not ok]
    if missing:
        print(f"SKIPPED: {', '.join(missing)} not installed (bash scripts/setup.sh installs them)")
        return SKIP
    if shots:
        os.makedirs(shots, exist_ok=True)
    folder = tempfile.mkdtemp(prefix="console-test-")
    node = Node(binary, folder)
    console = None
    failed = []
    try:
        node.set_password("admin")
        node.add_principal("cashier", ["customers.view", "customers.create", "customers.edit"])
        node.add_principal("clerk", ["customers.view", "customers.manage_credit"])
        seed(node)
        console = Console(node, shots)
        for fn in FLOWS:
            name = fn.__name__
            started = time.monotonic()
            try:
                fn(node, console)
                print(f"ok   {name} ({time.monotonic() - started:.1f} s)", flush=True)
            except Exception:  # noqa: BLE001 - each flow's failure is reported, then we stop
                print(f"FAIL {name}", flush=True)
                traceback.print_exc()
                if shots:
                    console.driver.save_screenshot(os.path.join(folder, f"failed-{name}.png"))
                    print(f"     screenshot: {folder}/failed-{name}.png")
                failed.append(name)
                break
        errors = console.errors()
        if errors:
            print("FAIL the browser logged errors:")
            for e in errors:
                print("    ", e["message"])
            failed.append("browser errors")
        for name, (value, unit) in FIGURES.items():
            print(f"figure: {name} {value} {unit}")
    finally:
        if console:
            console.quit()
        node.stop()
        if not failed:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"{len(FLOWS) - len(failed)} of {len(FLOWS)} flows passed" if failed else
          f"all {len(FLOWS)} flows passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
