#!/usr/bin/env python3
"""Voice-quality benchmark: handset to handset over a lossy private network, scored with PESQ.

Two `handset-media-peer` processes run in two network namespaces joined by a veth pair
(10.77.0.1 sends, 10.77.0.2 receives). In the receiver's namespace an iptables rule drops the
RTP port's packets at random (`-m statistic --mode random`). The sender plays synthetic speech
(espeak-ng), the receiver records it; the recording is aligned to the reference by
cross-correlation and scored with PESQ (narrowband for 8 kHz codecs, wideband for 16 kHz).
Each codec is also scored through its own encoder and decoder alone, without a network.

Run as root: sudo tools/quality_bench.py [--binary PATH] [--strict]
Needs: ip, iptables, espeak-ng, sox, and the Python packages numpy and pesq.

With --simulated the two peers run inside one process in simulated time instead (no root, no
network; repeatable from --seed, with --simulate-jitter-ms of random delay per packet): the
same sessions, jitter buffer and concealment, for quick comparisons while tuning.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass, field

import numpy as np
from pesq import pesq

import bench_baresip

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SENDER_IP = "10.77.0.1"
RECEIVER_IP = "10.77.0.2"
RTP_PORT = 40000
LOSSES = [0, 5, 10, 20, 30]
SPEECH = (
    "The birch canoe slid on the smooth planks. "
    "Glue the sheet to the dark blue background. "
    "It is easy to tell the depth of a well. "
    "These days a chicken leg is a rare dish. "
    "Rice is often served in round bowls."
)


@dataclass
class Variant:
    """One codec setting under test."""

    label: str
    rate: int
    mode: str  # PESQ mode: "nb" or "wb"
    flags: list = field(default_factory=list)


VARIANTS = [
    Variant("PCMU", 8000, "nb", ["--codec", "pcmu"]),
    Variant("G.722", 16000, "wb", ["--codec", "g722"]),
    Variant("Opus", 16000, "wb", ["--codec", "opus"]),
    Variant("Opus FEC", 16000, "wb", ["--codec", "opus", "--opus-fec"]),
    Variant("Opus RED2+FEC", 16000, "wb", ["--codec", "opus", "--red", "2", "--opus-fec"]),
    Variant("Opus RED3+FEC", 16000, "wb", ["--codec", "opus", "--red", "3", "--opus-fec"]),
]


def run(command, **kwargs):
    """Runs a command, failing loudly with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


class Network:
    """Two namespaces joined by a veth pair; removed again by `close`."""

    sender_ip = SENDER_IP
    receiver_ip = RECEIVER_IP
    rtp_port = RTP_PORT

    def __init__(self):
        suffix = str(os.getpid())
        self.sender = f"qbench-tx-{suffix}"
        self.receiver = f"qbench-rx-{suffix}"
        # Interface names are limited to 15 characters.
        self.sender_link = f"qbt{suffix}"[:15]
        self.receiver_link = f"qbr{suffix}"[:15]
        self.created = []
        self.drop_rules = []

    def open(self):
        for namespace in (self.sender, self.receiver):
            run(["ip", "netns", "add", namespace])
            self.created.append(namespace)
        run(["ip", "link", "add", self.sender_link, "type", "veth", "peer", "name", self.receiver_link])
        for link, namespace, address in (
            (self.sender_link, self.sender, SENDER_IP),
            (self.receiver_link, self.receiver, RECEIVER_IP),
        ):
            run(["ip", "link", "set", link, "netns", namespace])
            run(["ip", "-n", namespace, "addr", "add", f"{address}/24", "dev", link])
            run(["ip", "-n", namespace, "link", "set", link, "up"])
            run(["ip", "-n", namespace, "link", "set", "lo", "up"])

    def set_loss(self, percent):
        """Drops `percent` % of the RTP packets arriving in each namespace at random."""
        for namespace, rule in self.drop_rules:
            run(["ip", "netns", "exec", namespace, "iptables", "-D", "INPUT", *rule])
        self.drop_rules = []
        if percent <= 0:
            return
        rule = [
            "-p", "udp", "--dport", str(RTP_PORT),
            "-m", "statistic", "--mode", "random", "--probability", f"{percent / 100:.4f}",
            "-j", "DROP",
        ]
        # Handset to handset only the receiver gets RTP; with baresip both ends do.
        for namespace in (self.receiver, self.sender):
            run(["ip", "netns", "exec", namespace, "iptables", "-A", "INPUT", *rule])
            self.drop_rules.append((namespace, rule))

    def close(self):
        # Deleting a namespace also deletes its end of the veth pair, and the peer end with it.
        for namespace in reversed(self.created):
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        self.created.clear()


def read_wav(path):
    with wave.open(path, "rb") as file:
        if file.getsampwidth() != 2 or file.getnchannels() != 1:
            raise RuntimeError(f"{path}: expected 16-bit mono")
        data = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2")
        return file.getframerate(), data.astype(np.float64)


def make_speech(directory):
    """Writes the reference speech at 16 kHz and 8 kHz; returns {rate: path}."""
    raw = os.path.join(directory, "espeak.wav")
    run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", raw, SPEECH])
    paths = {}
    for rate in (16000, 8000, 48000):
        path = os.path.join(directory, f"speech-{rate}.wav")
        # Mono 16-bit at the codec's rate, levelled to -3 dBFS, with silence around it.
        run(["sox", raw, "-r", str(rate), "-b", "16", "-c", "1", path, "gain", "-n", "-3", "pad", "0.5", "0.5"])
        paths[rate] = path
    # baresip's file source wants Opus's 48 kHz in the stream's two channels.
    stereo = os.path.join(directory, "speech-48000-stereo.wav")
    run(["sox", paths[48000], "-c", "2", stereo])
    paths["48000-stereo"] = stereo
    return paths


def align(reference, recorded):
    """The part of `recorded` that lines up with `reference`, as long as it (zero-padded)."""
    if not recorded.size:
        return np.zeros_like(reference)
    size = 1 << int(np.ceil(np.log2(len(reference) + len(recorded))))
    spectrum = np.fft.rfft(recorded, size) * np.conj(np.fft.rfft(reference, size))
    correlation = np.fft.irfft(spectrum, size)
    lag = int(np.argmax(correlation))
    if lag > size // 2:
        lag -= size
    if lag >= 0:
        aligned = recorded[lag:lag + len(reference)]
    else:
        aligned = np.concatenate([np.zeros(-lag), recorded[: len(reference) + lag]])
    return np.pad(aligned, (0, len(reference) - len(aligned)))


def score(reference_path, degraded_path, mode):
    rate, reference = read_wav(reference_path)
    degraded_rate, degraded = read_wav(degraded_path)
    if degraded_rate != rate:
        raise RuntimeError(f"{degraded_path}: {degraded_rate} Hz, expected {rate} Hz")
    return pesq(rate, reference, align(reference, degraded), mode)


def build_binary():
    run(["cargo", "build", "-j2", "--release", "-p", "handset", "--bin", "handset-media-peer"], cwd=REPO)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
    return os.path.join(target, "release", "handset-media-peer")


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no figures in the peer's output: {text!r}")


def call(binary, network, variant, speech, recording, seconds, extra):
    """One call: the receiver records in its namespace while the sender plays in the other."""
    common = [binary, *variant.flags, "--rate", str(variant.rate), *extra]
    receiver = subprocess.Popen(
        ["ip", "netns", "exec", network.receiver, *common,
         "--bind", f"{RECEIVER_IP}:{RTP_PORT}", "--remote", f"{SENDER_IP}:{RTP_PORT}",
         "--record", recording, "--duration", str(seconds + 5), "--tail", "1.0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        time.sleep(0.3)
        sender = subprocess.run(
            ["ip", "netns", "exec", network.sender, *common,
             "--bind", f"{SENDER_IP}:{RTP_PORT}", "--remote", f"{RECEIVER_IP}:{RTP_PORT}",
             "--play", speech, "--tail", "0.5", "--duration", str(seconds + 5)],
            capture_output=True, text=True, timeout=seconds + 30,
        )
        if sender.returncode != 0:
            raise RuntimeError(f"sender failed: {sender.stderr.strip()}")
        out, err = receiver.communicate(timeout=seconds + 30)
    finally:
        if receiver.poll() is None:
            receiver.kill()
            receiver.wait()
    if receiver.returncode != 0:
        raise RuntimeError(f"receiver failed: {err.strip()}")
    return last_json_line(out)


def simulated_call(binary, variant, loss, speech, recording, options, extra):
    """One call in simulated time inside a single peer process."""
    out = run([
        binary, *variant.flags, "--rate", str(variant.rate), *extra,
        "--simulate-loss", str(loss), "--seed", str(options.seed),
        "--simulate-jitter-ms", str(options.simulate_jitter_ms),
        "--play", speech, "--record", recording, "--tail", "1.0",
    ])
    return last_json_line(out)


def check_targets(results, encode_decode):
    """The issue's targets as (description, passed, detail)."""
    checks = []

    def add(description, value, bound, passed):
        if value is None:
            checks.append((description, False, "not measured"))
        else:
            checks.append((description, passed, f"{value:.2f} (bound {bound:.2f})"))

    # Checked at the deepest redundancy: depth is a setting, and 30 % loss is what it is for.
    red = results.get("Opus RED3+FEC", {})
    if 0 in red:
        value = red.get(30)
        add("Opus RED at 30% within 0.3 of its 0%", value, red[0] - 0.3,
            value is not None and value >= red[0] - 0.3)
    else:
        checks.append(("Opus RED at 30% within 0.3 of its 0%", False, "0% not measured"))
    # Opus without RED as handset negotiates it: in-band FEC on (our fmtp says useinbandfec=1).
    # The "Opus" row (FEC off too) is there for comparison only.
    value = results.get("Opus FEC", {}).get(10)
    add("Opus FEC (no RED) at 10% >= 3.6", value, 3.6, value is not None and value >= 3.6)
    value = results.get("PCMU", {}).get(10)
    add("G.711 at 10% >= 3.0 (nb)", value, 3.0, value is not None and value >= 3.0)
    for label, own in encode_decode.items():
        value = results.get(label, {}).get(0)
        add(f"{label} at 0% within 0.05 of encode/decode {own:.2f}", value, own - 0.05,
            value is not None and value >= own - 0.05)
    return checks


def print_table(results, encode_decode, figures, losses):
    header = f"{'codec':<15} {'PESQ':<4} {'enc/dec':>7}" + "".join(f" {f'{loss}%':>6}" for loss in losses)
    print(header)
    print("-" * len(header))
    for variant in VARIANTS:
        row = results.get(variant.label, {})
        cells = "".join(f" {row[loss]:>6.2f}" if loss in row else f" {'-':>6}" for loss in losses)
        own = encode_decode.get(variant.label)
        own_cell = f"{own:>7.2f}" if own is not None else f"{'-':>7}"
        print(f"{variant.label:<15} {variant.mode:<4} {own_cell}{cells}")
    print()
    print("at the receiver: measured loss % / concealed frames / of those FEC-offered / RED-recovered:")
    for variant in VARIANTS:
        row = figures.get(variant.label, {})
        cells = "  ".join(
            f"{loss}%: {row[loss]['loss_percent']:.1f}/{row[loss]['jitter_buffer']['concealed']}"
            f"/{row[loss]['jitter_buffer']['fec']}/{row[loss]['jitter_buffer']['recovered']}"
            for loss in losses if loss in row
        )
        print(f"  {variant.label:<15} {cells}")


def peers_at(binary, network, speech, directory, loss, peers):
    """Calls baresip with each codec at `loss` % and scores both directions into `peers`."""
    for variant in bench_baresip.VARIANTS:
        reference = speech[variant.rate]
        with wave.open(reference, "rb") as file:
            seconds = file.getnframes() / file.getframerate()
        where = os.path.join(directory, f"baresip-{variant.label}-{loss}")
        try:
            ours, theirs, output = bench_baresip.call(
                run, binary, network, variant, speech, where, seconds)
            stats = last_json_line(output)
            received = score(reference, ours, variant.mode)
            sent = score(reference, theirs, variant.mode)
        except Exception as error:
            print(f"baresip {variant.label} at {loss}%: {error}", file=sys.stderr)
            continue
        peers.setdefault((variant.label, "baresip -> handset"), {})[loss] = received
        peers.setdefault((variant.label, "handset -> baresip"), {})[loss] = sent
        print(
            f"baresip {variant.label} at {loss}%: handset receives {received:.2f},"
            f" baresip receives {sent:.2f} (handset measured loss {stats['loss_percent']:.1f}%)",
            file=sys.stderr, flush=True,
        )


def print_peer_table(peers, losses):
    """PESQ per direction of the handset-baresip calls: who receives is whose jitter buffer
    and concealment is scored."""
    header = f"{'codec':<8} {'direction':<20}" + "".join(f" {f'{loss}%':>6}" for loss in losses)
    print(header)
    print("-" * len(header))
    for (label, direction), row in sorted(peers.items()):
        cells = "".join(f" {row[loss]:>6.2f}" if loss in row else f" {'-':>6}" for loss in losses)
        print(f"{label:<8} {direction:<20}{cells}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", help="handset-media-peer to use instead of building it")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    parser.add_argument("--losses", default=",".join(map(str, LOSSES)), help="loss rates in percent")
    parser.add_argument("--jitter-ms", type=int, help="a fixed jitter buffer instead of the adaptive one")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--simulated", action="store_true", help="simulated time, no network (no root)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated loss")
    parser.add_argument("--simulate-jitter-ms", type=int, default=0, help="simulated random delay")
    parser.add_argument("--only", help="comma-separated codec labels to run")
    parser.add_argument("--no-baresip", action="store_true", help="skip the handset-baresip half")
    options = parser.parse_args()
    if options.only:
        wanted = set(options.only.split(","))
        VARIANTS[:] = [variant for variant in VARIANTS if variant.label in wanted]
    if not options.simulated and os.geteuid() != 0:
        sys.exit("quality_bench.py needs root (network namespaces and iptables)")
    losses = [int(value) for value in options.losses.split(",")]
    with_baresip = not options.simulated and not options.no_baresip and bench_baresip.available()
    if not options.simulated and not options.no_baresip and not with_baresip:
        print("baresip (with its g711, g722, opus, alsa, aufile, sndfile, srtp modules) is not"
              " installed: the handset-baresip half is skipped", file=sys.stderr)
    binary = options.binary or build_binary()
    extra = ["--jitter-ms", str(options.jitter_ms)] if options.jitter_ms else []

    # SIGTERM and SIGHUP unwind through `finally` like Ctrl-C does.
    def stop(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    directory = tempfile.mkdtemp(prefix="quality-bench-")
    network = Network()
    try:
        speech = make_speech(directory)
        encode_decode = {}
        for variant in VARIANTS:
            out = os.path.join(directory, f"codec-{len(encode_decode)}.wav")
            run([binary, *variant.flags, "--rate", str(variant.rate), "--encode-decode", speech[variant.rate], out])
            encode_decode[variant.label] = score(speech[variant.rate], out, variant.mode)

        if not options.simulated:
            network.open()
        results, figures, peers = {}, {}, {}
        for loss in losses:
            if not options.simulated:
                network.set_loss(loss)
            for index, variant in enumerate(VARIANTS):
                reference = speech[variant.rate]
                with wave.open(reference, "rb") as file:
                    seconds = file.getnframes() / file.getframerate()
                recording = os.path.join(directory, f"received-{index}-{loss}.wav")
                if options.simulated:
                    stats = simulated_call(binary, variant, loss, reference, recording, options, extra)
                else:
                    stats = call(binary, network, variant, reference, recording, seconds, extra)
                try:
                    value = score(reference, recording, variant.mode)
                except Exception as error:  # pesq refuses recordings it finds no speech in
                    print(f"{variant.label} at {loss}%: not scored: {error}", file=sys.stderr)
                    continue
                results.setdefault(variant.label, {})[loss] = value
                figures.setdefault(variant.label, {})[loss] = stats
                print(
                    f"{variant.label} at {loss}%: PESQ {value:.2f}, received {stats['packets_received']},"
                    f" loss {stats['loss_percent']:.1f}%", file=sys.stderr, flush=True,
                )
            if with_baresip:
                peers_at(binary, network, speech, directory, loss, peers)
        if not options.simulated:
            network.set_loss(0)
    finally:
        network.close()
        if options.keep:
            print(f"files kept in {directory}", file=sys.stderr)
        else:
            shutil.rmtree(directory, ignore_errors=True)

    print()
    print_table(results, encode_decode, figures, losses)
    if peers:
        print()
        print_peer_table(peers, losses)
    print()
    checks = check_targets(results, encode_decode)
    for description, passed, detail in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {description}: {detail}")
    if options.strict and not all(passed for _, passed, _ in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
