"""The container files, read against the code, and the commands they run, run outside Docker.

There is no Docker engine here. So these tests parse docker-compose.yml and the Dockerfile and
check that every command, option, file and port they name exists in the CLI and the relay.
Then they run those same commands as local processes on 127.0.0.1: the relay (``python -m
relay`` and ``hypertoken relay``), its health check, the two example peers, and SIGTERM.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import shlex
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import aiohttp
import click
import pytest

from hypertoken.protocol import Bye, Challenge, decode
from relay.config import RelayConfig, build_parser, config_from_args, flag_name
from tests.kits.compose_yaml import load
from tests.kits.relay import load_example_peer

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


def argv_of(name: str) -> list[str]:
    """What a compose service runs: its entrypoint (the full image's is ``hypertoken``, the
    relay image has none) and its command."""
    service = SERVICES[name]
    default = ["hypertoken"] if service["build"]["target"] == "full" else []
    return [*service.get("entrypoint", default), *service["command"]]


WAIT = 30.0  # bound on any process step, so a broken command fails instead of hanging


# --- reading the files -----------------------------------------------------------------------


@dataclass
class Stage:
    name: str | None
    base: str
    instructions: list[tuple[str, str]]

    def last(self, op: str) -> str | None:
        found = [arg for name, arg in self.instructions if name == op]
        return found[-1] if found else None


def dockerfile_stages() -> list[Stage]:
    text = (ROOT / "Dockerfile").read_text()
    logical = re.sub(r"\\\n\s*", " ", text)
    stages: list[Stage] = []
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        op, _, arg = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            parts = arg.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(name, parts[0], []))
        elif stages:
            stages[-1].instructions.append((op, arg.strip()))
    return stages


def exec_form(arg: str) -> list[str]:
    value = json.loads(arg)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), arg
    return value


def check_command(argv: list[str]) -> None:
    """Assert that ``argv`` names a real entry point and that its options parse."""
    if argv[:3] == ["python", "-m", "relay"]:
        config_from_args(argv[3:], environ={})
    elif argv[:3] == ["python", "-m", "relay.healthcheck"]:
        pass
    elif argv[0] == "hypertoken":
        from hypertoken.cli import main

        command = main.get_command(click.Context(main), argv[1])
        assert command is not None, f"'hypertoken {argv[1]}' is not a CLI command"
        command.make_context(argv[1], list(argv[2:]))  # raises on unknown options
    elif argv[:2] == ["python", "examples/relay_peer.py"]:
        assert (ROOT / argv[1]).is_file()
        load_example_peer().parse(argv[2:])
    else:
        raise AssertionError(f"unknown command {shlex.join(argv)}")


# --- the files, read against the code ---------------------------------------------------------


def test_compose_services_and_profiles() -> None:
    assert set(SERVICES) == {
        "relay",
        "peer-alice",
        "peer-bob",
        "quickstart",
        "room-alice",
        "room-bob",
        "room-bot",
    }
    # Plain `docker compose up` starts only the services without a profile: the relay.
    assert [name for name, s in SERVICES.items() if not s.get("profiles")] == ["relay"]
    assert SERVICES["peer-alice"]["profiles"] == SERVICES["peer-bob"]["profiles"] == ["examples"]
    assert SERVICES["quickstart"]["profiles"] == ["cli"]
    assert argv_of("quickstart") == ["hypertoken", "world-demo"]
    assert {n: SERVICES[n]["profiles"] for n in ("room-alice", "room-bob", "room-bot")} == {
        n: ["room"] for n in ("room-alice", "room-bob", "room-bot")
    }
    # The room profile: two daemons in one room through the relay, and bots on their sockets.
    alice, bob = argv_of("room-alice"), argv_of("room-bob")
    assert alice[:2] == bob[:2] == ["hypertoken", "peer"]
    for argv in (alice, bob):
        assert argv[argv.index("--relay") + 1] == "ws://relay:8080"
        assert argv[argv.index("--join") + 1] == "compose-room"
    script = argv_of("room-bot")[2]
    for daemon in (alice, bob):
        assert f"--control {daemon[daemon.index('--control') + 1]}" in script


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_compose_command_exists_in_the_cli_or_the_relay(service: str) -> None:
    argv = argv_of(service)
    if argv[:2] == ["sh", "-c"]:  # a shell line of hypertoken commands
        for part in re.split(r"[&;]", argv[2]):
            if part.strip() and part.strip() != "wait":
                check_command(shlex.split(part))
    else:
        check_command(argv)


def test_compose_ports_match_the_relay_command_and_the_peers_urls() -> None:
    relay = SERVICES["relay"]
    config = config_from_args(relay["command"][3:], environ={})
    (mapping,) = relay["ports"]
    host_port, container_port = (int(p) for p in mapping.split(":"))
    assert container_port == config.port and config.host == "0.0.0.0"
    assert host_port == container_port
    example = load_example_peer()
    for name in ("peer-alice", "peer-bob"):
        service = SERVICES[name]
        options = example.parse(argv_of(name)[2:])
        assert options.url == f"ws://relay:{config.port}/ws"  # the relay service, its port
        assert service["depends_on"]["relay"]["condition"] == "service_healthy"
        assert options.room == "demo"
    assert {t: s["build"]["target"] for t, s in SERVICES.items()} == {
        "relay": "relay",
        "peer-alice": "full",
        "peer-bob": "full",
        "quickstart": "full",
        "room-alice": "full",
        "room-bob": "full",
        "room-bot": "full",
    }


def test_compose_environment_names_real_relay_settings() -> None:
    known = {f"HYPERTOKEN_RELAY_{f.name.upper()}" for f in fields(RelayConfig)}
    for service in SERVICES.values():
        for variable in service.get("environment", {}):
            assert variable in known, variable


def test_dockerfile_is_multi_stage_slim_non_root_with_a_python_healthcheck() -> None:
    stages = dockerfile_stages()
    names = {s.name for s in stages}
    assert len(stages) >= 2 and {"relay", "full"} <= names
    assert stages[-1].name == "relay"  # `docker build .` gives the relay image
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.\d+-slim", text)
    for stage in stages:
        if stage.name in ("relay", "full"):
            user = stage.last("USER")
            assert user and user not in ("root", "0"), stage.name
            health = stage.last("HEALTHCHECK")
            assert health and "curl" not in health and "wget" not in health
            check_command(exec_form(health.split("CMD", 1)[1].strip()))
            assert "8080" in (stage.last("EXPOSE") or "")
            assert "HYPERTOKEN_RELAY_PORT=8080" in (stage.last("ENV") or "")
            entry = exec_form(stage.last("ENTRYPOINT") or "[]")
            cmd = entry + exec_form(stage.last("CMD") or "[]")
            check_command(cmd)
            if stage.name == "relay":
                assert "--port" in cmd and cmd[cmd.index("--port") + 1] == "8080"
            else:  # the full image runs a peer daemon, its files in the /data volume
                assert cmd[:2] == ["hypertoken", "peer"] and "/data" in (stage.last("VOLUME") or "")
    relay_cmd = exec_form(stages[-1].last("CMD") or "[]")
    assert relay_cmd[:3] == ["python", "-m", "relay"]


def test_dockerfile_copies_files_that_exist() -> None:
    for stage in dockerfile_stages():
        for op, arg in stage.instructions:
            if op == "COPY" and not arg.startswith("--from"):
                *sources, _dest = arg.split()
                for source in sources:
                    assert (ROOT / source).exists(), source


def test_relay_requirements_match_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {
        re.split(r"[<>=!;\[ ]", d, maxsplit=1)[0].lower(): d for d in project["dependencies"]
    }
    lines = [
        line.strip()
        for line in (ROOT / "relay/requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == 5
    for line in lines:
        name = re.split(r"[<>=!]", line, maxsplit=1)[0].lower()
        assert declared[name].replace(" ", "") == line, (name, declared[name], line)


def test_cli_relay_options_match_the_relay_config() -> None:
    from hypertoken.cli import main

    command = main.get_command(click.Context(main), "relay")
    assert command is not None
    cli_flags = {opt for p in command.params for opt in getattr(p, "opts", [])}
    parser_flags = {a.option_strings[0] for a in build_parser()._actions if a.option_strings}
    parser_flags.discard("-h")
    assert cli_flags == parser_flags
    expected = {"--" + flag_name(f.name) for f in fields(RelayConfig)}
    expected = {"--room-token" if f == "--room-tokens" else f for f in expected}
    assert cli_flags == expected


def test_relay_imports_only_its_small_dependency_set() -> None:
    code = (
        "import sys, relay, relay.__main__, relay.healthcheck;"
        "heavy = {'click', 'numpy', 'wasmtime', 'automerge', 'aiortc', 'zeroconf', 'rich',"
        " 'hypertoken.core', 'hypertoken.cli', 'games', 'peers'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = _run_python(["-c", code])
    assert result == "[]"


def _run_python(args: list[str]) -> str:
    import subprocess

    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=WAIT,
        env=_env(),
        check=True,
    )
    return done.stdout.strip()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HYPERTOKEN_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


# --- the commands, run as processes -----------------------------------------------------------


@dataclass
class Process:
    proc: asyncio.subprocess.Process
    port: int
    log: list[dict[str, Any]]

    async def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.stderr is not None
        rest = await asyncio.wait_for(self.proc.stderr.read(), WAIT)
        self.log += [
            json.loads(line) for line in rest.decode().splitlines() if line.startswith("{")
        ]
        return await asyncio.wait_for(self.proc.wait(), WAIT)


def _local(argv: list[str]) -> list[str]:
    """A compose command made local: our interpreter, 127.0.0.1, a free port, JSON logs."""
    if argv[0] == "hypertoken":  # the console script, without needing it installed
        argv = ["python", "-m", "hypertoken.cli", *argv[1:]]
    argv = [sys.executable if a == "python" else a for a in argv]
    if "--host" in argv:
        argv[argv.index("--host") + 1] = "127.0.0.1"
    if "--port" in argv:
        argv[argv.index("--port") + 1] = "0"
    return [*argv, "--log-format", "json"]


@asynccontextmanager
async def relay_process(argv: list[str]) -> AsyncIterator[Process]:
    proc = await asyncio.create_subprocess_exec(
        *_local(argv),
        cwd=ROOT,
        env=_env(),
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
    )
    log: list[dict[str, Any]] = []
    try:
        assert proc.stderr is not None
        while True:  # read log lines until the relay says where it listens
            line = await asyncio.wait_for(proc.stderr.readline(), WAIT)
            assert line, f"relay exited early: {log}"
            if line.startswith(b"{"):
                log.append(json.loads(line))
                if log[-1]["event"] == "listening":
                    break
        yield Process(proc, int(log[-1]["port"]), log)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _healthcheck(port: int) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "relay.healthcheck", "--port", str(port), cwd=ROOT, env=_env()
    )
    return await asyncio.wait_for(proc.wait(), WAIT)


async def _example(argv: list[str], port: int) -> tuple[int, str]:
    argv = [sys.executable if a == "python" else a for a in argv]
    argv[argv.index("--url") + 1] = f"ws://127.0.0.1:{port}/ws"
    proc = await asyncio.create_subprocess_exec(
        *argv, "--timeout", "20", cwd=ROOT, env=_env(), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), WAIT)
    return proc.returncode or 0, out.decode()


async def test_compose_relay_and_example_peers_run_and_stop_on_sigterm() -> None:
    async with relay_process(SERVICES["relay"]["command"]) as relay:
        assert await _healthcheck(relay.port) == 0
        results = await asyncio.gather(
            _example(argv_of("peer-alice"), relay.port),
            _example(argv_of("peer-bob"), relay.port),
        )
        for status, out in results:
            assert status == 0, out
            assert "exchange complete" in out
            assert out.count("got payload") == 5
        assert await relay.stop() == 0
        events = [entry["event"] for entry in relay.log]
        assert events.count("join") == 2 and events.count("leave") == 2
        assert events[-1] == "stopped"
    assert await _healthcheck(relay.port) == 1  # nobody listens any more


async def test_example_peers_send_payloads_larger_than_a_frame() -> None:
    async with relay_process(["python", "-m", "relay", "--port", "0"]) as relay:
        big = ["--payload-bytes", str(3 * 1024 * 1024), "--messages", "1"]
        results = await asyncio.gather(
            _example(
                ["python", "examples/relay_peer.py", "--url", "-", "--name", "a", *big], relay.port
            ),
            _example(
                ["python", "examples/relay_peer.py", "--url", "-", "--name", "b", *big], relay.port
            ),
        )
        for status, out in results:
            assert status == 0, out
            assert re.search(r"got payload 0 from [ab] \(31457\d\d B\)", out), out
        await relay.stop()


async def test_hypertoken_relay_says_bye_on_sigterm() -> None:
    async with relay_process(["hypertoken", "relay", "--port", "0"]) as relay:
        async with aiohttp.ClientSession() as session:
            ws = await session.ws_connect(f"http://127.0.0.1:{relay.port}/ws")
            first = await ws.receive(timeout=WAIT)
            assert isinstance(decode(first.data), Challenge)
            relay.proc.send_signal(signal.SIGTERM)
            bye = await ws.receive(timeout=WAIT)
            assert decode(bye.data) == Bye(reason="shutdown")
            closing = await ws.receive(timeout=WAIT)
            assert closing.type is aiohttp.WSMsgType.CLOSE and ws.close_code == 1001
        assert await asyncio.wait_for(relay.proc.wait(), WAIT) == 0


def _module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


@pytest.mark.skipif(
    not _module_available("hypertoken.cli.demo"),
    reason="hypertoken.cli.demo (the world demo behind `hypertoken world-demo`) is not written yet",
)
async def test_quickstart_command_runs() -> None:
    argv = [sys.executable if a == "python" else a for a in argv_of("quickstart")]
    assert argv[0] == "hypertoken"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hypertoken.cli",
        *argv[1:],
        cwd=ROOT,
        env=_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), WAIT * 2)
    assert proc.returncode == 0, err.decode()
    assert out.strip()
