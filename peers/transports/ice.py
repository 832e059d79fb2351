"""ICE plumbing for the WebRTC transport (:mod:`peers.transports.webrtc`).

*Host addresses.* aioice gathers host candidates from every interface except loopback, so
two peers on one machine with no other interface (a sandbox, CI) cannot connect.
:func:`use_host_addresses` names the addresses to gather instead (``["127.0.0.1"]`` for
peers on one machine). The first call replaces ``aioice.ice.get_host_addresses``
process-wide, once, with a wrapper that answers the addresses set in the current context
(a :class:`contextvars.ContextVar`; the tasks aiortc starts to gather inherit it), and
aioice's own answer wherever none was set. So several transports in one process each keep
their own addresses, and other aiortc users are unaffected.

*Descriptions.* :func:`offer`, :func:`answer` and :func:`accept` run the offer/answer
exchange on one connection; :func:`missing_candidates` tells when a description can never
yield an ICE pair, so the transport falls back at once instead of waiting for its timeout;
:func:`signal_candidate` reads a trickled candidate from an "ice" signal.
"""

from __future__ import annotations

import contextvars

import aioice.ice
from aiortc import RTCIceCandidate, RTCPeerConnection, RTCSessionDescription
from aiortc.sdp import candidate_from_sdp

__all__ = [
    "accept",
    "answer",
    "missing_candidates",
    "offer",
    "signal_candidate",
    "use_host_addresses",
]

_host_addresses: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar(
    "hypertoken_ice_host_addresses", default=None
)
_hook_installed = False


def _install_hook() -> None:
    """Replace aioice's host address lookup with one that honours ``_host_addresses``."""
    global _hook_installed
    if _hook_installed:
        return
    original = aioice.ice.get_host_addresses

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        chosen = _host_addresses.get()
        if chosen is None:
            return original(use_ipv4, use_ipv6)
        return list(chosen)

    aioice.ice.get_host_addresses = host_addresses
    _hook_installed = True


def use_host_addresses(addresses: tuple[str, ...] | None) -> None:
    """Gather only ``addresses`` as host candidates in the current context (None: aioice's
    choice). Call it at the start of the task that creates the connections."""
    if addresses is not None:
        _install_hook()
    _host_addresses.set(addresses)


def missing_candidates(sdp: str) -> bool:
    """Whether a description has no candidate and says no more will come (no ICE pair
    can form with it)."""
    return "a=candidate:" not in sdp and "a=end-of-candidates" in sdp


def _local_sdp(pc: RTCPeerConnection) -> str:
    description = pc.localDescription
    if description is None:  # aiortc sets it in setLocalDescription, before it returns
        raise RuntimeError("no local description after setting it")
    return description.sdp


async def offer(pc: RTCPeerConnection) -> str:
    """Create and set ``pc``'s offer (gathering every candidate); return its SDP."""
    await pc.setLocalDescription(await pc.createOffer())
    return _local_sdp(pc)


async def answer(pc: RTCPeerConnection, sdp: str) -> str:
    """Apply the remote offer ``sdp``, create and set the answer; return its SDP."""
    await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
    await pc.setLocalDescription(await pc.createAnswer())
    return _local_sdp(pc)


async def accept(pc: RTCPeerConnection, sdp: str) -> None:
    """Apply the remote answer ``sdp`` to ``pc``, which made the offer."""
    await pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))


def signal_candidate(data: str, mid: str | None, mline: int | None) -> RTCIceCandidate | None:
    """The candidate an "ice" signal carries, or None for its end-of-candidates ("").

    Raises ValueError (or another error from aiortc's parser) for a malformed line.
    """
    if not data:
        return None
    candidate = candidate_from_sdp(data.removeprefix("candidate:"))
    candidate.sdpMid = mid
    candidate.sdpMLineIndex = mline
    return candidate
