"""The run at a glance, as one SVG: requests ok/failed per 100 ms, fault windows shaded, one
lane per node (down, paused, cut off by a partition, removed, leading), leader changes marked."""
import math
from html import escape

from .checkers.availability import BUCKET_SECONDS, buckets

WIDTH = 1400
LEFT, RIGHT = 60, 20
REQUEST_HEIGHT = 180
LANE_HEIGHT = 16
FAULT_COLORS = {"kill": "#d62728", "pause": "#ff7f0e", "restart": "#8c564b", "partition": "#9467bd",
                "add": "#2ca02c", "remove": "#7f7f7f"}
STATE_COLORS = {"down": "#d62728", "paused": "#ff7f0e", "removed": "#bbbbbb", "cut": "#9467bd"}


class Scale:
    def __init__(self, start, end):
        self.start, self.end = start, max(end, start + 1)

    def x(self, t):
        fraction = (min(max(t, self.start), self.end) - self.start) / (self.end - self.start)
        return LEFT + fraction * (WIDTH - LEFT - RIGHT)


def render(history, node_ids):
    phases = {p["name"]: p["t"] for p in history["phases"]}
    start = phases.get("workload-start", 0.0)
    end = phases.get("workload-end", max((r["end"] for r in history["requests"]), default=start + 1))
    scale = Scale(start, end)
    lanes_top = REQUEST_HEIGHT + 40
    height = lanes_top + LANE_HEIGHT * (len(node_ids) + 1) + 70
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    parts += fault_shading(history["faults"], scale, lanes_top + LANE_HEIGHT * len(node_ids))
    parts += request_bars(history["requests"], scale)
    parts += node_lanes(history, node_ids, scale, lanes_top, end)
    parts += leader_marks(history["leaders"], scale, lanes_top + LANE_HEIGHT * len(node_ids))
    parts += phase_marks(phases, scale, height)
    parts += time_axis(scale, height - 50)
    parts += legend(height - 12)
    parts.append("</svg>")
    return "\n".join(parts)


def request_bars(requests, scale):
    """Ok requests upward and failed ones downward from the middle line, per 100 ms."""
    counts = buckets(requests, scale.start, scale.end)
    peak = max([max(ok, failed) for ok, failed in counts] + [1])
    middle = 20 + REQUEST_HEIGHT / 2
    half = REQUEST_HEIGHT / 2 - 5

    def outline(index, sign):
        points = [f"{scale.x(scale.start):.1f},{middle:.1f}"]
        for number, pair in enumerate(counts):
            y = middle - sign * half * pair[index] / peak
            x0 = scale.x(scale.start + number * BUCKET_SECONDS)
            x1 = scale.x(scale.start + (number + 1) * BUCKET_SECONDS)
            points += [f"{x0:.1f},{y:.1f}", f"{x1:.1f},{y:.1f}"]
        points.append(f"{scale.x(scale.end):.1f},{middle:.1f}")
        return " ".join(points)

    return [f'<text x="4" y="14">requests per 100 ms (peak {peak}): ok above, failed below</text>',
            f'<polygon points="{outline(0, 1)}" fill="#2ca02c" fill-opacity="0.8"/>',
            f'<polygon points="{outline(1, -1)}" fill="#d62728" fill-opacity="0.8"/>',
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{middle}" y2="{middle}" stroke="#333" stroke-width="0.5"/>']


def fault_shading(faults, scale, bottom):
    parts = []
    for fault in faults:
        if fault.get("skipped") or fault.get("end") is None:
            continue
        x0, x1 = scale.x(fault["start"]), scale.x(fault["end"])
        color = FAULT_COLORS.get(fault["kind"], "#999999")
        label = f"{fault['kind']} {fault_label(fault)} {fault['start']:.1f}-{fault['end']:.1f}s"
        parts.append(f'<rect x="{x0:.1f}" y="20" width="{max(x1 - x0, 1):.1f}" height="{bottom - 20}" '
                     f'fill="{color}" fill-opacity="0.15"><title>{escape(label)}</title></rect>')
        parts.append(f'<text x="{x0 + 2:.1f}" y="{REQUEST_HEIGHT + 32}" fill="{color}" font-size="9">'
                     f'{escape(fault["kind"])}</text>')
    return parts


def fault_label(fault):
    variant = fault.get("details", {}).get("variant")
    nodes = "n" + ",n".join(map(str, fault["nodes"])) if fault["nodes"] else ""
    return f"{variant} {nodes}" if variant else nodes


def node_lanes(history, node_ids, scale, top, end):
    parts = []
    for row, node_id in enumerate(node_ids):
        y = top + row * LANE_HEIGHT
        parts.append(f'<text x="4" y="{y + 11}">n{node_id}</text>')
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y + LANE_HEIGHT / 2}" '
                     f'y2="{y + LANE_HEIGHT / 2}" stroke="#ddd"/>')
        for state, low, high in state_segments(history, node_id, end):
            parts.append(segment(scale, low, high, y + 2, LANE_HEIGHT - 4, STATE_COLORS[state], state))
        for low, high in cut_segments(history["faults"], node_id):
            parts.append(segment(scale, low, high, y + 5, LANE_HEIGHT - 10, STATE_COLORS["cut"], "partitioned"))
        for low, high in leader_segments(history["leaders"], node_id, end):
            parts.append(segment(scale, low, high, y + LANE_HEIGHT - 3, 3, "#000000", "leader"))
    return parts


def segment(scale, low, high, y, height, color, title):
    x0, x1 = scale.x(low), scale.x(high)
    return (f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1):.1f}" height="{height}" fill="{color}">'
            f'<title>{escape(title)} {low:.1f}-{high:.1f}s</title></rect>')


def state_segments(history, node_id, end):
    """(state, from, to) for every stretch the node was not up."""
    events = [e for e in history["node_events"] if e["node"] == node_id]
    segments = []
    for event, following in zip(events, events[1:] + [None]):
        if event["state"] != "up":
            segments.append((event["state"], event["t"], following["t"] if following else end))
    return segments


def cut_segments(faults, node_id):
    return [(f["start"], f["end"]) for f in faults
            if f["kind"] == "partition" and not f.get("skipped") and f.get("end")
            and any(node_id in edge for edge in f["details"].get("blocked", []))]


def leader_segments(leaders, node_id, end):
    segments = []
    for entry, following in zip(leaders, leaders[1:] + [None]):
        if entry["leader"] == node_id:
            segments.append((entry["t"], following["t"] if following else end))
    return segments


def leader_marks(leaders, scale, bottom):
    parts = []
    for number, entry in enumerate(leaders):
        if entry["t"] < scale.start or entry["t"] > scale.end:
            continue
        x = scale.x(entry["t"])
        label = f"n{entry['leader']}" if entry["leader"] is not None else "none"
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="20" y2="{bottom}" stroke="#000" stroke-width="0.7" '
                     f'stroke-dasharray="3,3"><title>leader {label} term {entry["term"]} at {entry["t"]:.2f}s'
                     f'</title></line>')
        parts.append(f'<text x="{x + 2:.1f}" y="{30 + (number % 3) * 10}" font-size="9">{label}</text>')
    return parts


def phase_marks(phases, scale, height):
    parts = []
    for name in ("heal", "recovered"):
        if name in phases:
            x = scale.x(phases[name])
            offset = 0 if name == "heal" else 12
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="20" y2="{height - 50}" stroke="#1f77b4" '
                         f'stroke-width="1.5"/><text x="{x + 3:.1f}" y="{height - 64 + offset}" '
                         f'fill="#1f77b4">{name}</text>')
    return parts


def time_axis(scale, y):
    """Seconds since the run started, as in the fault log."""
    span = scale.end - scale.start
    step = next(s for s in (1, 2, 5, 10, 20, 30, 60, 120, 300, 600) if span / s <= 20)
    parts = [f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" stroke="#333"/>']
    tick = math.ceil(scale.start / step) * step
    while tick <= scale.end:
        x = scale.x(tick)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 4}" stroke="#333"/>'
                     f'<text x="{x:.1f}" y="{y + 15}" text-anchor="middle">{tick:g}s</text>')
        tick += step
    return parts


def legend(y):
    items = list(FAULT_COLORS.items()) + [("cut off", STATE_COLORS["cut"]), ("leader", "#000000")]
    parts, x = [], LEFT
    for name, color in items:
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{x + 14}" y="{y}">{name}</text>')
        x += 30 + 7 * len(name)
    return parts
