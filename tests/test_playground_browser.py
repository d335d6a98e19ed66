"""The playground page in a real browser: Debian's chromium and chromium-driver, driven by Selenium (headless).

Loads the page, picks the xor set and the ReLU activation, presses Play, waits until the test loss shown on the
page falls below a bound, reads it from the page and keeps a screenshot (its folder is printed; set
GRAPHGRAD_ARTIFACTS to choose it). Skips only where no Chromium and chromedriver are installed (`.ci/run`
installs them with apt-get)."""
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the playground needs pip install 'graphgrad[playground]'")
pytest.importorskip("uvicorn", reason="the playground needs pip install 'graphgrad[playground]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="the browser test needs pip install selenium")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from tests.playground_server import PlaygroundServer  # noqa: E402

pytestmark = pytest.mark.host_process("starts a playground server and a browser")
TEST_LOSS_BOUND = 0.1


def _find(*names):
    return next((p for p in map(shutil.which, names) if p), None)


CHROMIUM = _find("chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = _find("chromedriver")


@pytest.fixture
def browser():
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("no Chromium with chromedriver here (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server():
    s = PlaygroundServer()
    try:
        yield s
    finally:
        s.stop()


def _artifacts() -> Path:
    folder = Path(os.environ.get("GRAPHGRAD_ARTIFACTS") or Path(tempfile.gettempdir()) / "graphgrad-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _loss(driver, element_id):
    text = driver.find_element(By.ID, element_id).text
    try:
        return float(text)
    except ValueError:
        return None


def test_relu_learns_xor_in_the_browser(browser, server):
    browser.get(server.url)
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: _loss(d, "test-loss") is not None)  # the session exists and its first frame arrived
    Select(browser.find_element(By.ID, "dataset")).select_by_value("xor")
    Select(browser.find_element(By.ID, "activation")).select_by_value("relu")
    wait.until(lambda d: d.execute_script("return fetch('/api/health').then(r => r.json())")["sessions"] == 1)
    browser.find_element(By.ID, "play").click()
    wait.until(lambda d: d.find_element(By.ID, "play").text == "Pause")
    started = time.monotonic()
    WebDriverWait(browser, 90, poll_frequency=0.2).until(
        lambda d: (_loss(d, "test-loss") or 1.0) < TEST_LOSS_BOUND,
        message=f"the test loss shown stayed above {TEST_LOSS_BOUND}")
    loss = _loss(browser, "test-loss")
    epochs = int(browser.find_element(By.ID, "epoch").text)
    assert browser.find_element(By.ID, "message").get_attribute("hidden") is not None  # no error shown
    assert browser.find_element(By.ID, "activation").get_attribute("value") == "relu"
    assert len(browser.find_elements(By.CSS_SELECTOR, "canvas.neuron")) == 6  # the default 4, 2 hidden neurons
    browser.find_element(By.ID, "play").click()  # pause, so the screenshot shows a settled page
    wait.until(lambda d: d.find_element(By.ID, "play").text == "Play")
    shot = _artifacts() / "playground-xor-relu.png"
    assert browser.save_screenshot(str(shot))
    print(f"\nplayground: test loss {loss:.3f} after {epochs} epochs ({time.monotonic() - started:.1f}s); "
          f"screenshot {shot}")
    assert 0 < loss < TEST_LOSS_BOUND


def test_bad_input_shows_a_message_on_the_page(browser, server):
    browser.get(server.url)
    wait = WebDriverWait(browser, 30)
    wait.until(lambda d: _loss(d, "test-loss") is not None)
    field = browser.find_element(By.ID, "hidden")
    field.clear()
    field.send_keys("10000\t")
    wait.until(lambda d: d.find_element(By.ID, "message").is_displayed())
    assert "between 1 and 8" in browser.find_element(By.ID, "message").text
    field.clear()
    field.send_keys("3\t")  # a good value clears the message
    wait.until(lambda d: not d.find_element(By.ID, "message").is_displayed())
    # the network is rebuilt with 3 neurons; their heat maps come with the next frame of the stream
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "canvas.neuron")) == 3)
    rate = browser.find_element(By.ID, "learning_rate")
    rate.clear()
    rate.send_keys("-1\t")
    wait.until(lambda d: "learning rate" in d.find_element(By.ID, "message").text)
    assert server.alive()
