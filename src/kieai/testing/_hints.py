"""How the fake's answers tell a user to fix a problem, in the words of the front end in use:
Python calls for a test that made a `FakeKie`, flags for someone running ``kie fake-server``
(who cannot call ``fake.add_remote_file()``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["HINTS", "Hints", "Wording"]

#: ``"python"``: hints name FakeKie's methods and arguments; ``"server"``: ``kie fake-server``
#: flags.
Wording = Literal["python", "server"]


@dataclass(frozen=True)
class Hints:
    #: Why an input URL cannot be fetched, and what to do.
    unknown_url: str
    #: Why a URL upload cannot fetch its ``fileUrl``.
    unknown_file_url: str
    #: Appended to "model ... is not a supported model".
    unknown_model: str
    #: The setting that sets how long uploads and results live.
    upload_ttl: str = "upload_ttl"
    result_ttl: str = "result_ttl"


HINTS: dict[Wording, Hints] = {
    "python": Hints(
        unknown_url="not a file this fake stores: upload it first, register it with "
        "fake.add_remote_file(), or use FakeKie(allow_external_urls=True)",
        unknown_file_url="register it with fake.add_remote_file()",
        unknown_model=" (FakeKie(models=[...]) accepts ids of your own)",
    ),
    "server": Hints(
        unknown_url="not a file this server stores: upload it first, or restart kie "
        "fake-server with --allow-external-urls",
        unknown_file_url="the fake server reaches no network: upload the file itself",
        unknown_model=" (kie fake-server --model ID accepts ids of your own)",
        upload_ttl="--upload-ttl",
        result_ttl="--result-ttl",
    ),
}
