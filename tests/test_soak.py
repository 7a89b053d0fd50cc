"""kill -9 soak of the real bot process: nothing acknowledged is lost, nothing is posted twice per crash."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_soak import run_soak

# Enough random kills to land in polls, commits and sends; the benchmark runs 200.
CI_KILLS = 20


async def test_twenty_sigkills_lose_nothing_and_duplicate_at_most_once_per_chat_per_crash(
    tmp_path: Path,
) -> None:
    report = await run_soak(CI_KILLS, tmp_path)
    assert report.kills == CI_KILLS
    assert report.load_failures == []
    assert report.lost_subscriptions == []
    assert report.lost_deliveries == []
    assert report.worst_duplicates_per_chat_per_crash <= 1
    assert report.acknowledged_changes >= CI_KILLS and report.headlines >= CI_KILLS  # the load was real
    assert report.duplicates <= report.kills


async def test_the_token_never_reaches_logs_or_data_files_even_at_debug(tmp_path: Path) -> None:
    report = await run_soak(2, tmp_path, debug=True)
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "DEBUG" in log and "sendMessage" in log  # the run logged Bot API requests at DEBUG
    assert report.token_leaks == []
    assert report.lost_deliveries == []
