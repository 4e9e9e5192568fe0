"""Finds crash reports in the node logs (the Swift runtime's "Program crashed" reports and fatal
errors), so that a crash is reported even when it happened while the nemesis stopped a node."""
import glob
import os
import re

SIGNATURE = re.compile(r"\*\*\* Program crashed: (.*?) \*\*\*|Fatal error: .*")
# The first line of a crash report; alone when the process was killed before it finished.
BACKTRACING = re.compile(r"\*\*\* Signal (\d+): Backtracing")
OWN_FRAME = re.compile(r"^\s*\d+ .* in switchboard at \S+")
CONTEXT_LINES = 6


def find(log_directory):
    """[{log, line, summary, frame}] for every crash report in the node logs; `frame` is the
    first stack frame in Switchboard's own code, when the report has one."""
    found = []
    for path in sorted(glob.glob(os.path.join(log_directory, "n*.log"))):
        with open(path, "rb") as handle:
            lines = handle.read().decode(errors="replace").splitlines()
        for number, line in enumerate(lines):
            match = SIGNATURE.search(line)
            if match:
                found.append({"log": os.path.basename(path), "line": number + 1,
                              "summary": summary(lines, number, match), "frame": first_own_frame(lines[number:])})
            elif unfinished_report(lines, number):
                found.append({"log": os.path.basename(path), "line": number + 1, "frame": None,
                              "summary": f"signal {BACKTRACING.search(line).group(1)} (the crash report was cut "
                                         "short)"})
    return found


def unfinished_report(lines, number):
    return (BACKTRACING.search(lines[number]) is not None
            and not any(SIGNATURE.search(line) for line in lines[number:number + CONTEXT_LINES]))


def summary(lines, number, match):
    text = match.group(1) or match.group(0)
    # A C++ termination prints its reason just before the crash report.
    before = [line.strip() for line in lines[max(0, number - CONTEXT_LINES):number] if "terminate called" in line]
    return f"{text} ({before[-1]})" if before else text


def first_own_frame(lines):
    """The first frame in the project's own sources (not in a dependency under .build), if the
    report shows one."""
    frames = [re.sub(r"\s+", " ", line.strip())[:220] for line in lines[:800] if OWN_FRAME.match(line)]
    ours = [frame for frame in frames if "/Sources/" in frame and "/.build/" not in frame]
    return ours[0] if ours else None
