"""``kie demo`` and ``kie fake-server``: the built-in fake of Kie, in-process or on loopback.

The demo needs no key and no network: `kieai.testing.FakeKie` answers in-process, the
inputs are the sample files shipped in the wheel, and the result is the fake's real MP4.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from .._client import KieClient
from .._constants import API_KEY_ENV, BASE_URL_ENV, UPLOAD_BASE_URL_ENV, WEBHOOK_HMAC_KEY_ENV
from ._messages import cli_wording
from ._output import Output
from ._runtime import UsageProblem, fail, interruptions

if TYPE_CHECKING:
    from ..testing import FakeKie
    from ..types import MotionControlResult
    from ._progress import FlowProgress

__all__ = [
    "DEMO_API_KEY",
    "FAKE_SERVER_HISTORY",
    "FakeServerSettings",
    "fake_server_fake",
    "run_demo",
    "serve_fake",
]

DEMO_API_KEY = "demo-key"
DEMO_PROMPT = "The character dances."
#: The fake finishes a task in about 0.3 s; poll often so the demo ends right after.
DEMO_POLL_INTERVAL_S = 0.05
DEMO_MAX_POLL_INTERVAL_S = 0.2
DEMO_TIMEOUT_S = 60.0
#: ``kie fake-server`` remembers this many requests, metadata only: a long development
#: session against it must not grow without limit (uploads stay until ``upload_ttl``).
FAKE_SERVER_HISTORY = 1000


async def run_demo(
    ui: FlowProgress, *, image: Path, video: Path, output: Path
) -> tuple[MotionControlResult, Path]:
    """generate + download against a fresh in-process fake."""
    from ..testing import FakeKie

    fake = FakeKie(api_key=DEMO_API_KEY)
    async with (
        fake.http_client() as http_client,
        KieClient(
            api_key=DEMO_API_KEY,
            base_url=fake.base_url,
            upload_base_url=fake.base_url,
            http_client=http_client,
            journal=False,  # the demo's tasks are the in-process fake's: never journaled
        ) as client,
    ):
        try:
            result = await client.motion_control.generate(
                image=image,
                video=video,
                prompt=DEMO_PROMPT,
                timeout=DEMO_TIMEOUT_S,
                poll_interval=DEMO_POLL_INTERVAL_S,
                max_poll_interval=DEMO_MAX_POLL_INTERVAL_S,
                on_upload_progress=ui.upload,
                on_created=ui.created,
                on_update=ui.update,
            )
            saved = await client.download(result.video_url, output, on_progress=ui.download)
            ui.downloaded(saved)
        finally:
            ui.close()
    return result, saved


@dataclass(frozen=True)
class FakeServerSettings:
    """What ``kie fake-server`` lets the user set: the settings the fake's own error messages
    point to (external URLs, the schedule, the webhook HMAC key) and its API key."""

    api_key: str = "test-key"
    hmac_key: str | None = None
    allow_external_urls: bool = False
    schedule: tuple[float, float, float] | None = None  # waiting, queuing, generating (s)


def fake_server_fake(settings: FakeServerSettings) -> FakeKie:
    """The fake ``kie fake-server`` runs: Kie's defaults changed by ``settings``, with a
    bounded request history that keeps no bodies."""
    from ..testing import FakeKie, Schedule

    schedule = Schedule(*settings.schedule) if settings.schedule is not None else None
    return FakeKie(
        api_key=settings.api_key,
        hmac_key=settings.hmac_key,
        allow_external_urls=settings.allow_external_urls,
        schedule=schedule,
        keep_request_bodies=False,
        max_recorded_requests=FAKE_SERVER_HISTORY,
    )


def serve_fake(out: Output, *, port: int, settings: FakeServerSettings) -> None:
    """Run ``FakeKie.serve()`` on 127.0.0.1:``port`` until Ctrl-C (which is a normal stop)."""
    fake = fake_server_fake(settings)

    async def work() -> None:
        try:
            async with fake.serve(host="127.0.0.1", port=port) as base_url:
                _announce(out, base_url, settings)
                await anyio.sleep_forever()
        except RuntimeError as exc:  # uvicorn missing, or the port is taken
            raise UsageProblem(cli_wording(str(exc))) from None

    try:
        anyio.run(work)
    except interruptions():
        out.note("fake Kie stopped")
    except UsageProblem as exc:
        fail(out, exc)


def _announce(out: Output, base_url: str, settings: FakeServerSettings) -> None:
    # Not scrubbed: the fake's key is a test value the user needs to read.
    api_key = settings.api_key
    env = {BASE_URL_ENV: base_url, UPLOAD_BASE_URL_ENV: base_url, API_KEY_ENV: api_key}
    if settings.hmac_key is not None:
        env[WEBHOOK_HMAC_KEY_ENV] = settings.hmac_key
    if out.json_mode:
        out.emit_json({"base_url": base_url, "api_key": api_key, "env": env}, scrub=False)
    else:
        lines = [
            f"fake Kie listening on {base_url} (API key: {api_key})",
            "point a client at it:",
            *[f"  export {name}={value}" for name, value in env.items()],
            f'  or: KieClient(api_key="{api_key}", base_url="{base_url}", '
            f'upload_base_url="{base_url}")',
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    out.note("serving until Ctrl-C")
