"""The progress bar: rendering, redraw rate on a terminal, step lines elsewhere."""

from __future__ import annotations

import io

import pytest

from services.common.progress import Progress, format_duration, render


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (7.4, "0:07"), (185, "3:05"), (3723, "1:02:03"), (-3, "0:00")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_render_shows_count_total_percent_rate_and_eta() -> None:
    line = render(250, 1000, 5.0, label="acled", width=10)
    assert line == "acled  [##........]  250/1,000   25%  50/s  ETA 0:15"


def test_render_finished_and_unknown_total() -> None:
    assert render(1000, 1000, 4.0, width=4).endswith(
        "[####]  1,000/1,000  100%  250/s  elapsed 0:04"
    )
    assert render(42, None, 2.0) == "42  21/s  elapsed 0:02"
    assert "0/s" in render(0, 10, 0.0)


def test_tty_redraws_at_most_ten_times_a_second() -> None:
    clock, out = Clock(), io.StringIO()
    bar = Progress(1000, stream=out, clock=clock, tty=True)
    for _ in range(1000):
        clock.now += 0.001  # 1,000 updates in one second
        bar.advance()
    bar.close()
    draws = out.getvalue().count("\r")
    assert 10 <= draws <= 12  # ~10 redraws plus the final one
    assert out.getvalue().endswith("\x1b[K\n")
    assert "1,000/1,000  100%" in out.getvalue().split("\r")[-1]


def test_not_a_tty_prints_a_line_per_step_and_no_carriage_returns() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress(200, stream=out, clock=clock, tty=False, step_percent=25) as bar:
        for _ in range(200):
            clock.now += 0.01
            bar.advance()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert [line.split()[2] for line in lines] == ["25%", "50%", "75%", "100%"]


def test_not_a_tty_final_line_when_stopped_early_or_total_unknown() -> None:
    clock, out = Clock(), io.StringIO()
    with Progress(100, stream=out, clock=clock, tty=False) as bar:
        bar.update(5)
    assert out.getvalue().splitlines() == [render(5, 100, 0.0)]
    out = io.StringIO()
    with Progress(None, stream=out, clock=clock, tty=False) as bar:
        bar.advance(3)
    assert out.getvalue() == "3  0/s  elapsed 0:00\n"


def test_close_is_idempotent() -> None:
    out = io.StringIO()
    bar = Progress(1, stream=out, clock=Clock(), tty=True)
    bar.close()
    bar.close()
    assert out.getvalue().count("\n") == 1
