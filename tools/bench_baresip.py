"""The handset-to-baresip half of the voice-quality benchmark (used by quality_bench.py).

baresip answers in the receiver's namespace; `handset-media-peer --call` calls it by SIP from
the sender's. Both send the same speech at once: baresip plays it from its `aufile` source
and records what it decodes with `sndfile`; the handset peer plays and records. Each
direction is scored on its own, so the table compares handset's receive path (jitter buffer,
concealment) with baresip's on the same network and loss.
"""

import glob
import os
import subprocess
import time
from dataclasses import dataclass

SIP_PORT = 5060


@dataclass
class BaresipVariant:
    """One codec both ends agree on."""

    label: str
    baresip_codec: str  # as baresip's audio_codecs parameter names it
    stream_rate: int  # the rate baresip's source and recorder run at
    rate: int  # the rate scored (8000 narrowband, 16000 wideband)
    mode: str  # PESQ mode
    flags: list


VARIANTS = [
    BaresipVariant("PCMU", "PCMU", 8000, 8000, "nb", ["--codec", "pcmu"]),
    BaresipVariant("G.722", "G722", 16000, 16000, "wb", ["--codec", "g722"]),
    BaresipVariant("Opus", "opus", 48000, 16000, "wb", ["--codec", "opus"]),
]

CONFIG = """poll_method epoll
sip_listen {address}:{sip_port}
audio_player alsa,null
audio_alert alsa,null
audio_source aufile,{speech}
rtp_ports {rtp_port}-{rtp_port_end}
rtcp_mux no
module_path /usr/lib/baresip/modules
module g711.so
module g722.so
module opus.so
module alsa.so
module aufile.so
module sndfile.so
module srtp.so
module_app account.so
snd_path {directory}
"""


def available():
    """Whether baresip and the modules the benchmark loads are installed."""
    modules = ["g711", "g722", "opus", "alsa", "aufile", "sndfile", "srtp", "account"]
    return os.path.exists("/usr/bin/baresip") and all(
        os.path.exists(f"/usr/lib/baresip/modules/{module}.so") for module in modules
    )


def resample(run, source, rate, target):
    run(["sox", source, "-r", str(rate), "-b", "16", "-c", "1", target])


class Baresip:
    """baresip answering one call in a namespace, with its own config directory."""

    def __init__(self, run, namespace, address, rtp_port, directory, variant, speech, srtp):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "config"), "w") as file:
            file.write(CONFIG.format(
                address=address, sip_port=SIP_PORT, speech=speech, rtp_port=rtp_port,
                rtp_port_end=rtp_port + 1, directory=directory,
            ))
        encryption = ";mediaenc=srtp-mand" if srtp else ""
        with open(os.path.join(directory, "accounts"), "w") as file:
            file.write(
                f"<sip:bench@{address}>;regint=0;answermode=auto"
                f";audio_codecs={variant.baresip_codec}{encryption}\n"
            )
        self.log = open(os.path.join(directory, "baresip.log"), "w")
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", namespace, "baresip", "-f", directory],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 10
        path = os.path.join(self.directory, "baresip.log")
        while time.monotonic() < deadline:
            with open(path) as file:
                if "baresip is ready" in file.read():
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"baresip did not start; see {path}")

    def recording(self):
        """What baresip decoded during the call."""
        found = sorted(glob.glob(os.path.join(self.directory, "dump-*-dec.wav")))
        if not found:
            raise RuntimeError(f"baresip recorded nothing in {self.directory}")
        return found[-1]

    def log_text(self):
        with open(os.path.join(self.directory, "baresip.log")) as file:
            return file.read()

    def close(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def call(run, binary, network, variant, speeches, directory, seconds, srtp=False):
    """One call with baresip; returns (handset's recording, baresip's recording at the scored
    rate, the handset peer's output)."""
    baresip = Baresip(
        run, network.receiver, network.receiver_ip, network.rtp_port, directory, variant,
        speeches["48000-stereo" if variant.stream_rate == 48000 else variant.stream_rate], srtp,
    )
    try:
        ours = os.path.join(directory, "handset.wav")
        command = [
            "ip", "netns", "exec", network.sender, binary, *variant.flags,
            "--rate", str(variant.rate), "--bind", f"{network.sender_ip}:{network.rtp_port}",
            "--call", f"sip:bench@{network.receiver_ip}:{SIP_PORT}",
            "--sip-peer", f"{network.receiver_ip}:{SIP_PORT}",
            "--play", speeches[variant.rate], "--record", ours,
            "--tail", "1.0", "--duration", str(seconds + 10),
        ]
        if srtp:
            command.append("--srtp")
        result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 40)
        if result.returncode != 0:
            raise RuntimeError(
                f"handset-media-peer failed: {result.stderr.strip()}\nbaresip:\n{baresip.log_text()}"
            )
        # sndfile closes its file when the call ends; give it a moment.
        time.sleep(0.5)
        theirs = os.path.join(directory, "baresip.wav")
        resample(run, baresip.recording(), variant.rate, theirs)
        return ours, theirs, result.stdout
    finally:
        baresip.close()
