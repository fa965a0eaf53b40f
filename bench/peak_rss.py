"""Peak resident memory of a connector command run in a child process."""

from __future__ import annotations

import sys

# Runs the connector's command line in a child process, then writes its peak resident memory to stderr as
# PEAK_RSS_KB=<n>. VmHWM, not getrusage's ru_maxrss: on Linux a child's ru_maxrss starts from its parent's
# size at the fork, and a bench holding a large sandbox's truth (800 MB) would be reported instead.
PEAK_RSS_WRAPPER = (
    "import runpy, sys\n"
    "sys.argv = ['source-pipedrive'] + sys.argv[1:]\n"
    "try:\n"
    "    runpy.run_module('source_pipedrive', run_name='__main__')\n"
    "finally:\n"
    "    try:\n"
    "        hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\n"
    "    except OSError:\n"
    "        import resource\n"
    "        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    sys.stderr.write('PEAK_RSS_KB=%s\\n' % hwm)\n"
)


def wrapped_command(*args: str) -> list[str]:
    """The argv that runs `source-pipedrive *args` under PEAK_RSS_WRAPPER."""
    return [sys.executable, "-c", PEAK_RSS_WRAPPER, *args]


def peak_rss_mb(stderr: str | bytes) -> int:
    """The PEAK_RSS_KB line of a wrapped run, in MB (-1 if missing)."""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    values = [int(line.split("=", 1)[1]) for line in text.splitlines() if line.startswith("PEAK_RSS_KB=")]
    return values[-1] // 1024 if values else -1
