"""Tasks of Kie's dedicated families in the fake: the same planned life as a Market task
(`TaskRecord`), told in each family's own words.

A `FamilyTask` lives in the fake's task table beside Market tasks, so ``fake.task(id)``,
``fake.finish_task`` and outcomes work for every family. What differs is what the family's
record endpoint answers (`record`), where results are, and the callbacks it sends: one at the
end, or for Suno one per stage (``text``, ``first``, ``complete`` or ``error``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from ._tasks import FAIL, GENERATING, SUCCESS, TaskRecord

__all__ = ["SUNO_FAILURE_WORDS", "FamilyName", "FamilyTask", "Stage"]

FamilyName = Literal["veo", "suno", "runway", "aleph"]
#: A callback a task owes: Suno's stages, or ``final`` for the other families.
Stage = Literal["text", "first", "complete", "error", "final"]

#: Suno's failure statuses (get-music-details). ``Outcome.failure(fail_code=<one of these>)``
#: ends a Suno task with that status; any other code ends it ``GENERATE_AUDIO_FAILED``.
SUNO_FAILURE_WORDS = (
    "CREATE_TASK_FAILED",
    "GENERATE_AUDIO_FAILED",
    "CALLBACK_EXCEPTION",
    "SENSITIVE_WORD_ERROR",
)
_RUNWAY_WORDS = {"waiting": "wait", "queuing": "queueing"}
#: Suno's record status while running: PENDING until generation starts, then the stages.
_SUNO_TRACKS = 2


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _text_time(seconds: float) -> str:
    """Kie's ``"2025-06-06 10:30:00"`` (UTC here; Kie's pages name no zone)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


def _iso_time(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _int_code(code: str, default: int) -> int:
    return int(code) if code.strip().isdigit() else default


@dataclass(eq=False)
class FamilyTask(TaskRecord):
    """A Veo, Suno, Runway or Aleph task. ``callback_url`` (Market's) stays None: these
    tasks' callbacks follow their family's own shapes and Kie's retry policy."""

    family: FamilyName = "veo"
    operation: str = "generate"
    family_callback_url: str | None = None
    parent_task_id: str = ""
    #: Stages whose callback was handed out for delivery (a retry is planned separately).
    claimed_stages: set[str] = field(default_factory=set[str], repr=False)
    #: Veo: when the 4K version was asked for (None: never) and its callback URL.
    four_k_asked_at: float | None = None
    four_k_callback_url: str | None = None

    # -- when things happen ----------------------------------------------------------------

    def _generating_at(self) -> float:
        for at, state in self._transitions:
            if state == GENERATING:
                return at
        return self.finishes_at

    def stage_times(self) -> list[tuple[Stage, float]]:
        """The callbacks this task sends and when (fake clock), in order."""
        end = self.finishes_at
        if self.family != "suno":
            return [("final", end)]
        final: Stage = "complete" if self.outcome.state == SUCCESS else "error"
        start = min(self._generating_at(), end)
        stages: list[tuple[Stage, float]] = []
        if start < end:
            stages.append(("text", start))
            stages.append(("first", start + (end - start) / 2))
        return [*stages, (final, end)]

    def suno_status(self, now: float) -> str:
        state = self._current(now)[1]
        if state == SUCCESS:
            return "SUCCESS"
        if state == FAIL:
            code = self.outcome.fail_code
            return code if code in SUNO_FAILURE_WORDS else "GENERATE_AUDIO_FAILED"
        if state != GENERATING:
            return "PENDING"
        start = self._generating_at()
        return "TEXT_SUCCESS" if now < start + (self.finishes_at - start) / 2 else "FIRST_SUCCESS"

    # -- results ---------------------------------------------------------------------------

    @property
    def result_urls(self) -> list[str]:
        if self.state != SUCCESS:
            return []
        if self.outcome.result_urls is not None:
            return list(self.outcome.result_urls)
        if self.family == "suno":
            return [self.track_url(n) for n in range(_SUNO_TRACKS)]
        return [f"{self.base_url}/results/{self.task_id}.mp4"]

    def track_url(self, index: int) -> str:
        return f"{self.base_url}/family-results/{self.task_id}-{index}.wav"

    def upscaled_url(self, kind: Literal["1080p", "4k"], index: int = 0) -> str:
        return f"{self.base_url}/family-results/{self.task_id}-{kind}-{index}.mp4"

    def _suno_tracks(self, now: float, *, snake: bool) -> list[dict[str, Any]]:
        status = self.suno_status(now)
        if status == "PENDING" or self.state == FAIL:
            return []
        ready = {"TEXT_SUCCESS": 0, "FIRST_SUCCESS": 1}.get(status, _SUNO_TRACKS)
        urls = (
            self.result_urls
            if status == "SUCCESS"
            else [self.track_url(n) for n in range(_SUNO_TRACKS)]
        )
        tracks: list[dict[str, Any]] = []
        for n in range(_SUNO_TRACKS):
            audio = urls[n] if n < ready and n < len(urls) else ""
            track = {
                "id": f"{self.task_id}-audio-{n}",
                "audioUrl": audio,
                "streamAudioUrl": f"{self.base_url}/family-results/{self.task_id}-{n}.stream",
                "imageUrl": "",
                "prompt": str(self.body.get("prompt", "")),
                "modelName": "chirp-v4",
                "title": str(self.body.get("title", "")),
                "tags": str(self.body.get("style", "")),
                "createTime": _text_time(self.created_at),
                "duration": 1.0,
            }
            if snake:
                track = {
                    "id": track["id"],
                    "audio_url": track["audioUrl"],
                    "stream_audio_url": track["streamAudioUrl"],
                    "image_url": track["imageUrl"],
                    "prompt": track["prompt"],
                    "model_name": track["modelName"],
                    "title": track["title"],
                    "tags": track["tags"],
                    "createTime": track["createTime"],
                    "duration": track["duration"],
                }
            tracks.append(track)
        return tracks

    # -- what the record endpoint answers ----------------------------------------------------

    def record_info(self) -> dict[str, Any]:
        now = self._clock.now()
        updated_at, state = self._current(now)
        finished = state in (SUCCESS, FAIL)
        param = json.dumps(self.body, separators=(",", ":"), ensure_ascii=False)
        fail_code, fail_msg = self.outcome.fail_code, self.outcome.fail_msg
        if self.family == "veo":
            response = None
            if state == SUCCESS:
                response = {
                    "taskId": self.task_id,
                    "resultUrls": self.result_urls,
                    "fullResultUrls": self.result_urls if self.operation == "extend" else None,
                    "originUrls": None,
                    "resolution": str(self.body.get("resolution") or "720p"),
                }
            flag = {SUCCESS: 1, FAIL: 3 if fail_code == "501" else 2}.get(state, 0)
            return {
                "taskId": self.task_id,
                "paramJson": param,
                "completeTime": _ms(updated_at) if finished else None,
                "response": response,
                "successFlag": flag,
                "errorCode": _int_code(fail_code, 500) if state == FAIL else None,
                "errorMessage": fail_msg if state == FAIL else "",
                "createTime": _ms(self.created_at),
                "fallbackFlag": False,
            }
        if self.family == "runway":
            video = None
            if state == SUCCESS:
                video = {
                    "videoId": f"{self.task_id}-video",
                    "taskId": self.task_id,
                    "videoUrl": self.result_urls[0] if self.result_urls else "",
                    "imageUrl": "",
                }
            return {
                "taskId": self.task_id,
                "parentTaskId": self.parent_task_id,
                "generateParam": {
                    "prompt": self.body.get("prompt", ""),
                    "imageUrl": self.body.get("imageUrl", ""),
                    "expandPrompt": False,
                },
                "state": _RUNWAY_WORDS.get(state, state),
                "generateTime": _text_time(updated_at) if finished else "",
                "videoInfo": video,
                "failCode": _int_code(fail_code, 400) if state == FAIL else None,
                "failMsg": fail_msg if state == FAIL else "",
                "expireFlag": 0,
            }
        if self.family == "aleph":
            return {
                "taskId": self.task_id,
                "paramJson": param,
                "response": {
                    "taskId": self.task_id,
                    "resultVideoUrl": self.result_urls[0] if self.result_urls else "",
                    "resultImageUrl": "",
                }
                if state == SUCCESS
                else None,
                "completeTime": _iso_time(updated_at) if finished else None,
                "createTime": _iso_time(self.created_at),
                "successFlag": 1 if state == SUCCESS else 0,
                "errorCode": _int_code(fail_code, 400) if state == FAIL else 0,
                "errorMessage": fail_msg if state == FAIL else "",
            }
        status = self.suno_status(now)
        failed = state == FAIL
        return {
            "taskId": self.task_id,
            "parentMusicId": self.parent_task_id,
            "param": param,
            "response": {"taskId": self.task_id, "sunoData": self._suno_tracks(now, snake=False)},
            "status": status,
            "type": "chirp-v4",
            "operationType": self.operation,
            "errorCode": _int_code(fail_code, 501)
            if failed
            and status not in ("CREATE_TASK_FAILED", "CALLBACK_EXCEPTION", "SENSITIVE_WORD_ERROR")
            else None,
            "errorMessage": fail_msg if failed else None,
        }

    def record_info_envelope(self, failed_code: Any, message_key: str) -> dict[str, Any]:  # noqa: ARG002
        """The dedicated families answer a finished task with code 200 and the record."""
        return {"code": 200, message_key: "success", "data": self.record_info()}

    # -- callbacks ---------------------------------------------------------------------------

    def family_callback_body(self, stage: Stage) -> dict[str, Any]:
        """What Kie POSTs for ``stage``, in the family's documented callback shape."""
        succeeded = self.outcome.state == SUCCESS
        code, msg = self.outcome.fail_code, self.outcome.fail_msg or "Generation failed"
        if self.family == "suno":
            if stage == "error":
                return {
                    "code": _int_code(code, 501),
                    "msg": msg,
                    "data": {"callbackType": "error", "task_id": self.task_id, "data": None},
                }
            messages = {
                "text": "Text generation completed.",
                "first": "First track generation completed.",
                "complete": "All generated successfully.",
            }
            moment = {"text": "TEXT_SUCCESS", "first": "FIRST_SUCCESS", "complete": "SUCCESS"}
            tracks = self._tracks_at(moment[stage])
            return {
                "code": 200,
                "msg": messages[stage],
                "data": {"callbackType": stage, "task_id": self.task_id, "data": tracks},
            }
        urls = self.result_urls
        if self.family == "veo":
            if not succeeded:
                return {
                    "code": _int_code(code, 500),
                    "msg": msg,
                    "data": {"taskId": self.task_id, "fallbackFlag": False},
                }
            return {
                "code": 200,
                "msg": "Veo3.1 video generated successfully.",
                "data": {
                    "taskId": self.task_id,
                    "promptJson": json.dumps(self.body, separators=(",", ":")),
                    "info": {
                        "resultUrls": urls,
                        "originUrls": None,
                        "resolution": str(self.body.get("resolution") or "720p"),
                    },
                    "fallbackFlag": False,
                },
            }
        if self.family == "runway":
            return {
                "code": 200 if succeeded else _int_code(code, 400),
                "msg": "All generated successfully." if succeeded else msg,
                "data": {
                    "task_id": self.task_id,
                    "video_id": f"{self.task_id}-video" if succeeded else "",
                    "video_url": urls[0] if succeeded and urls else "",
                    "image_url": "",
                },
            }
        return {  # aleph
            "code": 200 if succeeded else _int_code(code, 400),
            "msg": "success" if succeeded else msg,
            "data": {"result_video_url": urls[0] if urls else "", "result_image_url": ""}
            if succeeded
            else None,
            "taskId": self.task_id,
        }

    def _tracks_at(self, status: str) -> list[dict[str, Any]]:
        """Suno's tracks as they were at ``status`` (snake_case, as callbacks spell them)."""
        times = {"TEXT_SUCCESS": 0.0, "FIRST_SUCCESS": 0.5}
        start = self._generating_at()
        if status in times:
            moment = start + (self.finishes_at - start) * times[status]
            return self._suno_tracks(moment, snake=True)
        return self._suno_tracks(max(self.finishes_at, self._clock.now()), snake=True)

    def four_k_callback_body(self, index: int) -> dict[str, Any]:
        return {
            "code": 200,
            "msg": "4K Video generated successfully.",
            "data": {
                "taskId": self.task_id,
                "info": {"resultUrls": [self.upscaled_url("4k", index)], "imageUrls": []},
            },
        }
