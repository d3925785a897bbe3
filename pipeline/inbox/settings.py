"""How the inbox watcher behaves: delays, grace periods, budgets, lanes (``fawen watch`` options)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Settings:
    delay: float = 0.25  # seconds a file must stay unchanged before it is taken
    poll: float = 0.05  # how often pending files are looked at
    # a listing of the inbox this often: watchdog's inotify buffer holds events about half a
    # second (to pair moves), and a listing of one folder costs little; events still wake us
    rescan: float = 0.1
    attachment_grace: float = 5.0  # how long an input waits for the attachment files it names
    parse_grace: float = 2.0  # how long a stable file that does not parse may still be growing
    polling: bool = False  # poll the folder instead of native events (network shares, volumes)
    leases: bool = True  # ask the kernel whether a writer still holds a file open (Linux, local disks)
    timeout: float = 60.0  # seconds one input may take to file (a real one takes well under a second)
    memory: int = 1024  # MB of address space one input may take on top of what its worker holds already
    # Inputs are taken one at a time, in name order, as long as each takes its normal fraction of a
    # second; one that takes longer steps aside: the next is taken beside it, up to ``lanes`` at once
    lanes: int = 2
    step_aside: float = 1.0  # seconds
    # after this many seconds with nothing to do, the warm workers are stopped (each holds fonts and
    # a renderer, about 260 MB); the first input after that waits a second or two for one to start
    rest: float = 60.0
