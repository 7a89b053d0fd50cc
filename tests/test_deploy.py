"""The Dockerfile and the systemd unit name only files and commands that exist, and the health check works."""

from __future__ import annotations

import asyncio
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

from bot.config import load_config
from bot.demo import sources_seeded, start_bot, stop_bot, wait_until
from bot.standins.news_site import SampleNewsSite
from bot.standins.telegram_api import FakeBotAPI
from tests.opshelp import write_config

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
UNIT = (ROOT / "deploy" / "nashra.service").read_text()
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def instructions(name: str) -> list[str]:
    """Dockerfile instructions of one kind, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in text.splitlines() if line.startswith(name + " ")]


def nashra_subcommands(command: str) -> list[str]:
    """Every `nashra <sub>` a command line calls."""
    words = shlex.split(command.replace('["', "").replace('", "', " ").replace('"]', ""))
    return [words[i + 1] for i, word in enumerate(words[:-1]) if Path(word).name == "nashra"]


def test_dockerfile_copies_files_that_exist() -> None:
    for copy in instructions("COPY"):
        *sources, _target = copy.split()
        for source in sources:
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is not in the repo"


def test_dockerfile_installs_with_the_readmes_command() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "pip install ." in readme
    (install,) = [run for run in instructions("RUN") if "pip install" in run]
    assert re.search(r"pip install (--no-cache-dir )?\.( |$)", install)


def test_every_nashra_command_they_run_exists() -> None:
    assert "nashra" in SCRIPTS
    entry = " ".join(instructions("ENTRYPOINT")).strip('[]" ')
    calls = [f"{entry} {' '.join(instructions('CMD'))}", *instructions("HEALTHCHECK")]
    calls += [line.split("=", 1)[1] for line in UNIT.splitlines() if line.startswith("Exec")]
    subcommands = {sub for call in calls for sub in nashra_subcommands(call)}
    assert {"run", "health"} <= subcommands
    for sub in subcommands:
        probe = subprocess.run(
            [sys.executable, "-m", "bot", sub, "--help"], cwd=ROOT, capture_output=True, timeout=60
        )
        assert probe.returncode == 0, f"`nashra {sub}` does not exist"


def test_unit_is_hardened_and_keeps_the_data_directory_writable() -> None:
    settings = dict(
        line.split("=", 1) for line in UNIT.splitlines() if "=" in line and not line.startswith("#")
    )
    assert settings["Restart"] == "on-failure"
    assert settings["NoNewPrivileges"] == "true" and settings["ProtectSystem"] == "strict"
    start = shlex.split(settings["ExecStart"])
    workdir, config = Path(settings["WorkingDirectory"]), Path(start[start.index("-c") + 1])
    data = workdir / load_config(ROOT / "config.example.toml").storage.path
    assert data.parent == Path(settings["ReadWritePaths"])  # the default data file's folder, relative to cwd
    assert config.parent == workdir
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"


async def test_the_health_command_follows_the_endpoint(
    site: SampleNewsSite, api: FakeBotAPI, tmp_path: Path
) -> None:
    path = write_config(tmp_path / "c.toml", site, api, tmp_path / "d.json", ops={"http": True, "port": 0})
    app = await start_bot(load_config(path), api.token)
    try:
        await wait_until(lambda: sources_seeded(app), "first polls")
        port = app.bot_data["ops_server"].url.rsplit(":", 1)[1]
        path.write_text(path.read_text().replace("port = 0", f"port = {port}"))

        async def health() -> int:
            probe = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "health", "-c", str(path), cwd=ROOT
            )
            return await probe.wait()

        assert await health() == 0
        assert app.job_queue is not None
        await app.job_queue.stop()
        assert await health() == 1
    finally:
        await stop_bot(app)
