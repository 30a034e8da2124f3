"""A message trace drawn on the server as an SVG sequence diagram: quanta (and the broker) as
lifelines, each hop an arrow on a row of its own, its time in the left column. No script and no
inline style, so it shows under the pages' content security policy; colours come from the
operations stylesheet."""

from dataclasses import dataclass

from operations.trace import HopKind, TraceRow

TIME_COLUMN = 170
LANE = 180
HEADER = 44
ROW = 30
BOTTOM = 16
# Room right of the last lifeline for the labels of its own steps.
LABEL_ROOM = 280
LOOP = 22


@dataclass(frozen=True)
class Lifeline:
    x: float
    name: str


@dataclass(frozen=True)
class Arrow:
    y: float
    points: str  # an SVG polyline: straight between two lifelines, a small loop on one
    label_x: float
    label: str
    clock: str
    since: str
    kind: str  # the CSS class of its colour
    title: str  # the tooltip: everything the row knows


@dataclass(frozen=True)
class SequenceDiagram:
    width: float
    height: float
    header_y: float
    line_top: float
    line_bottom: float
    lifelines: list[Lifeline]
    arrows: list[Arrow]


def sequence_diagram(*, lifelines: list[str], rows: list[TraceRow]) -> SequenceDiagram:
    x_of = {name: TIME_COLUMN + LANE * (index + 0.5) for index, name in enumerate(lifelines)}
    arrows = []
    for number, row in enumerate(rows):
        hop = row.hop
        y = HEADER + ROW * (number + 1)
        source, target = x_of[hop.source], x_of[hop.target]
        if source == target:
            points = (
                f"{source},{y - 6} {source + LOOP},{y - 6} {source + LOOP},{y + 6} {source},{y + 6}"
            )
            label_x = source + LOOP + 6
        else:
            points = f"{source},{y} {target},{y}"
            label_x = min(source, target) + 8
        detail = f": {hop.detail}" if hop.detail else ""
        arrows.append(
            Arrow(
                y=y,
                points=points,
                label_x=label_x,
                label=f"{hop.message_type} {hop.kind}",
                clock=row.clock or "not timed",
                since=row.since,
                kind=_css_class(hop.kind),
                title=f"{hop.message_type} {hop.message_id or ''}: {hop.kind}{detail}",
            )
        )
    bottom = HEADER + ROW * (len(rows) + 1)
    return SequenceDiagram(
        width=TIME_COLUMN + LANE * len(lifelines) + LABEL_ROOM,
        height=bottom + BOTTOM,
        header_y=HEADER - 18,
        line_top=HEADER - 8,
        line_bottom=bottom,
        lifelines=[Lifeline(x=x_of[name], name=name) for name in lifelines],
        arrows=arrows,
    )


def _css_class(kind: HopKind) -> str:
    return "hop-" + kind.name.lower().replace("_", "-")
