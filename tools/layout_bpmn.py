"""Draw a BPMN diagram afresh: `python tools/layout_bpmn.py workflows/dibao.bpmn ...`.

For diagrams shaped like Doudi's shipped ones: one pool, one process, flat lanes, no expanded
sub-processes (a boundary event sits on its task's lower edge). The process is kept as it is,
text and all; only the <bpmndi:BPMNPlane> is written anew, so that the studio's editor opens
the diagram with no layout warning (bpmnlint's no-overlapping-elements: nothing overlaps,
nothing leaves its pool) and every step lies in its lane:

- columns: longest path from the start event; a flow back to a step already passed (a loop)
  does not push anything to the right;
- rows: a lane holds as many rows as it needs; a step keeps its predecessor's row where the
  way there is free, so the first flow out of a gateway runs straight on;
- flows: orthogonal, routed on a 10 px grid around the shapes (A*), with few bends and few
  flows drawn over one another;
- labels: the names of gateways, events and flows where they cover nothing.

SpiffWorkflow tries an exclusive gateway's conditions in the order of their targets' y
coordinates (SpiffWorkflow.bpmn.parser.TaskParser), so the tool refuses to write a layout that
changes that order where two conditions might hold at once (exit status 1); conditions that
compare one expression with different literals cannot. It also refuses a diagram with
anything else drawn (annotations, data objects), which it would lose.

Look at the result in the studio's editor, or let tests/browser/test_modeler.py do so.
"""

from __future__ import annotations

import argparse
import ast
import heapq
import itertools
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"

GRID = 10
ROW = 140  # height of a row in a lane
LANE_PADDING = 20  # above the first row and below the last
GAP = 80  # between two columns
POOL_HEADER = 30  # the pool's name, left
LANE_HEADER = 30  # the lane's name, right of the pool's
LEFT = 50  # from the lane's header to the first column
RIGHT = 50  # from the last shape to the pool's edge
CLEARANCE = 15  # a flow passes a shape at least this far off
STUB = 20  # a flow leaves and enters a shape straight for at least this long
LABEL_LINE = 14
LABEL_WIDTH = 90

# Costs of a route, in grid steps.
BEND = 4
OVERLAP = 8  # per step along another flow (other source and target)
OVERLAP_SAME_SOURCE = 3
OVERLAP_SAME_TARGET = 0.0  # flows into the same step may merge
CROSSING = 2
ON_LANE_LINE = 2  # per step along a lane's border, or close to it
PORT_COST = {
    # By way and side: a flow leaves rightwards and enters from the left if it can.
    "out": {"right": 0, "top": 2, "bottom": 2, "left": 12},
    "in": {"left": 0, "top": 2, "bottom": 2, "right": 12},
}
TASK_SIDE_EXTRA = 2  # tasks prefer their left and right sides a little more
PORT_REUSED = 30  # a gateway's second flow out through the same corner
PORT_BOTH_WAYS = 60  # a flow in and a flow out through the same side
OFF_CORNER = 6  # a flow not through the middle of a side (a gateway's corner)

TASKS = {
    "task",
    "userTask",
    "scriptTask",
    "serviceTask",
    "businessRuleTask",
    "callActivity",
    "manualTask",
    "sendTask",
    "receiveTask",
    "subProcess",
}
GATEWAYS = {
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
}
EVENTS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
}
SIDES = {"right": (1, 0), "left": (-1, 0), "top": (0, -1), "bottom": (0, 1)}
DIRECTIONS = [(1, 0), (0, 1), (-1, 0), (0, -1)]


def q(tag: str, ns: str = BPMN) -> str:
    return f"{{{ns}}}{tag}"


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str
    host: str = ""
    rank: int = 0
    row: int = 0
    cx: int = 0
    cy: int = 0

    @property
    def size(self) -> tuple[int, int]:
        if self.kind in GATEWAYS:
            return 50, 50
        if self.kind in EVENTS:
            return 36, 36
        return 100, 80

    @property
    def box(self) -> tuple[float, float, float, float]:
        w, h = self.size
        return self.cx - w / 2, self.cy - h / 2, w, h

    def ports(self) -> dict[str, tuple[str, tuple[float, float]]]:
        """Where flows attach: name -> (side it leaves or enters by, point). The middle of each
        side; a gateway also 10 px either side of its corners, so that two flows through the
        same side are drawn apart; a task also higher and lower on its left and right."""
        w, h = self.size
        found: dict[str, tuple[str, tuple[float, float]]] = {}
        for side, (dx, dy) in SIDES.items():
            found[side] = (side, (self.cx + dx * w / 2, self.cy + dy * h / 2))
            if self.kind in GATEWAYS:
                for offset in (-GRID, GRID):
                    # On the diamond's edge: |x|/25 + |y|/25 = 1.
                    along = w / 2 - GRID
                    point = (
                        (self.cx + dx * along, self.cy + offset)
                        if dx
                        else (self.cx + offset, self.cy + dy * along)
                    )
                    found[f"{side}{offset:+d}"] = (side, point)
            elif self.kind in TASKS and dx:
                for offset in (-2 * GRID, -GRID, GRID, 2 * GRID):
                    found[f"{side}{offset:+d}"] = (side, (self.cx + dx * w / 2, self.cy + offset))
        return found


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str
    condition: str
    back: bool = False
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class Lane:
    id: str
    name: str = ""
    rows: int = 1
    y: int = 0
    least: int = 0  # room for a name written up its side

    @property
    def height(self) -> int:
        return max(self.rows * ROW + 2 * LANE_PADDING, self.least)


class Diagram:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        collaboration = root.find(q("collaboration"))
        self.participant = None if collaboration is None else collaboration.find(q("participant"))
        self.process = root.find(q("process"))
        if self.process is None:
            raise SystemExit("no process")
        self.lanes: list[Lane] = []
        lane_of: dict[str, str] = {}
        for lane in self.process.iter(q("lane")):
            if lane.find(q("childLaneSet")) is not None:
                raise SystemExit(f"nested lanes ({lane.get('id')}) are not supported")
            self.lanes.append(Lane(lane.get("id"), lane.get("name") or ""))
            for ref in lane.findall(q("flowNodeRef")):
                lane_of[ref.text.strip()] = lane.get("id")
        self.nodes: dict[str, Node] = {}
        self.flows: dict[str, Flow] = {}
        self.outgoing: dict[str, list[str]] = {}
        for element in self.process:
            if not isinstance(element.tag, str):
                continue
            kind = etree.QName(element).localname
            if kind == "sequenceFlow":
                condition = element.find(q("conditionExpression"))
                self.flows[element.get("id")] = Flow(
                    element.get("id"),
                    element.get("sourceRef"),
                    element.get("targetRef"),
                    element.get("name") or "",
                    (condition.text or "").strip() if condition is not None else "",
                )
            elif kind in TASKS | GATEWAYS | EVENTS:
                if kind == "subProcess":
                    raise SystemExit("sub-processes are not supported")
                node_id = element.get("id")
                host = element.get("attachedToRef") or ""
                lane = lane_of.get(node_id) or lane_of.get(host, "")
                self.nodes[node_id] = Node(node_id, kind, element.get("name") or "", lane, host)
                self.outgoing[node_id] = [o.text.strip() for o in element.findall(q("outgoing"))]
        if not self.lanes:
            self.lanes.append(Lane(""))
            for node in self.nodes.values():
                node.lane = ""
        lane_ids = {lane.id for lane in self.lanes}
        outside = [n.id for n in self.nodes.values() if n.lane not in lane_ids]
        if outside:
            raise SystemExit(f"in no lane: {', '.join(outside)}")
        drawn = {
            di.get("bpmnElement") for di in root.iter(q("BPMNShape", BPMNDI), q("BPMNEdge", BPMNDI))
        }
        known = set(self.nodes) | set(self.flows) | lane_ids
        if self.participant is not None:
            known.add(self.participant.get("id"))
        if drawn - known:
            raise SystemExit(f"cannot draw {', '.join(sorted(drawn - known))}")
        for flow_id, flow in self.flows.items():
            if flow_id not in self.outgoing.get(flow.source, []):
                self.outgoing.setdefault(flow.source, []).append(flow_id)
        self.lane_index = {lane.id: index for index, lane in enumerate(self.lanes)}

    # ------------------------------------------------------------------ columns and rows

    def main_of(self, node_id: str) -> str:
        """The node that stands for it in the columns: a boundary event's host."""
        return self.nodes[node_id].host or node_id

    def rank_of(self, node_id: str) -> int:
        return self.nodes[self.main_of(node_id)].rank

    def successors(self, node_id: str) -> list[tuple[str, str]]:
        """(flow, target) in order, a task's boundary events' flows after its own."""
        found = [(f, self.flows[f].target) for f in self.outgoing.get(node_id, [])]
        for boundary in self.nodes.values():
            if boundary.host == node_id:
                found += [(f, self.flows[f].target) for f in self.outgoing.get(boundary.id, [])]
        return found

    def place(self) -> None:
        steps = [n.id for n in self.nodes.values() if not n.host]
        position = {node_id: index for index, node_id in enumerate(steps)}
        before: dict[str, list[str]] = {n: [] for n in steps}
        for flow in self.flows.values():
            before[self.main_of(flow.target)].append(self.main_of(flow.source))

        # Loops: steps in the order they can happen, each after all that lead to it; where a
        # loop leaves none ready, the step reached that waits for the fewest others goes
        # first. A flow to a step that came earlier goes back.
        passed: dict[str, int] = {}
        reached: dict[str, int] = {}
        starts = [n for n in steps if self.nodes[n].kind == "startEvent"] or steps[:1]
        for node_id in starts:
            reached[node_id] = len(reached)
        while len(passed) < len(steps):
            waiting = [n for n in steps if n not in passed]
            ready = [n for n in waiting if all(b in passed for b in before[n])]
            if ready:
                chosen = min(ready, key=lambda n: (reached.get(n, math.inf), position[n]))
            elif any(n in reached for n in waiting):
                chosen = min(
                    (n for n in waiting if n in reached),
                    key=lambda n: (sum(b not in passed for b in before[n]), reached[n]),
                )
            else:
                chosen = waiting[0]
            passed[chosen] = len(passed)
            for _flow, target in self.successors(chosen):
                reached.setdefault(self.main_of(target), len(reached))
        for flow in self.flows.values():
            source, target = self.main_of(flow.source), self.main_of(flow.target)
            flow.back = passed[source] >= passed[target]

        # Columns: the longest way from the start over the flows that go forward.
        for node_id in sorted(steps, key=passed.__getitem__):
            for flow_id, target in self.successors(node_id):
                if not self.flows[flow_id].back:
                    target_node = self.nodes[self.main_of(target)]
                    target_node.rank = max(target_node.rank, self.nodes[node_id].rank + 1)

        # The order to give rows in: depth first along the flows forward, a gateway's first
        # flow first, so the main way is drawn first and straight.
        order: list[str] = []
        parent: dict[str, tuple[str, str]] = {}
        for root in sorted(steps, key=passed.__getitem__):
            if root in order:
                continue
            order.append(root)
            stack = [(root, iter(self.successors(root)))]
            while stack:
                node_id, successors = stack[-1]
                step = next(successors, None)
                if step is None:
                    stack.pop()
                    continue
                flow_id, target = step
                target = self.main_of(target)
                if not self.flows[flow_id].back and target not in order:
                    order.append(target)
                    parent[target] = (node_id, flow_id)
                    stack.append((target, iter(self.successors(target))))

        # Rows: in the order found, each where its predecessor is, else nearest to it.
        taken: set[tuple[str, int, int]] = set()
        passage: set[tuple[str, int, int]] = set()  # cells a straight flow runs through
        placed: set[str] = set()
        for node_id in order:
            node = self.nodes[node_id]
            wanted = 0
            way_from = None
            if node_id in parent:
                source_id, flow_id = parent[node_id]
                earlier = self.nodes[source_id]
                if earlier.lane == node.lane:
                    wanted = earlier.row
                    way_from = earlier.rank
                    if self.nodes[self.flows[flow_id].source].host:
                        wanted += 1
                elif self.lane_index[earlier.lane] > self.lane_index[node.lane]:
                    lane_rows = [
                        self.nodes[n].row for n in placed if self.nodes[n].lane == node.lane
                    ]
                    wanted = max(lane_rows, default=0)
            candidates = [wanted]
            for distance in range(1, 40):
                candidates += [wanted + distance, wanted - distance]

            def free(
                row: int,
                strict: bool,
                node: Node = node,
                way_from: int | None = way_from,
                wanted: int = wanted,
            ) -> bool:
                cell = (node.lane, row, node.rank)
                if cell in taken or (strict and cell in passage):
                    return False
                if strict and way_from is not None and row == wanted:
                    return all(
                        (node.lane, row, rank) not in taken
                        for rank in range(way_from + 1, node.rank)
                    )
                return True

            row = next(
                (r for r in candidates if free(r, strict=True)),
                next(r for r in candidates if free(r, strict=False)),
            )
            node.row = row
            taken.add((node.lane, row, node.rank))
            placed.add(node_id)
            if way_from is not None and row == wanted:
                for rank in range(way_from + 1, node.rank):
                    passage.add((node.lane, row, rank))

        # Lanes from top to bottom, rows from 0.
        for lane in self.lanes:
            rows = [n.row for n in self.nodes.values() if n.lane == lane.id and not n.host]
            low = min(rows, default=0)
            for n in self.nodes.values():
                if n.lane == lane.id and not n.host:
                    n.row -= low
            lane.rows = max(rows, default=0) - low + 1
        for lane in self.lanes:
            lane.least = snap(side_text(lane.name) + 30)
        pool_name = "" if self.participant is None else self.participant.get("name") or ""
        short = snap(side_text(pool_name) + 30) - sum(lane.height for lane in self.lanes)
        if short > 0:
            self.lanes[-1].least = self.lanes[-1].height + short
        y = 0
        for lane in self.lanes:
            lane.y = y
            y += lane.height

        # Columns: as wide as their widest shape.
        ranks = sorted({n.rank for n in self.nodes.values() if not n.host})
        width = {
            r: max(n.size[0] for n in self.nodes.values() if not n.host and n.rank == r)
            for r in ranks
        }
        # A named flow to the next column gets room for its name.
        gap = dict.fromkeys(ranks, GAP)
        for flow in self.flows.values():
            if flow.name and self.rank_of(flow.target) == self.rank_of(flow.source) + 1:
                rank = self.rank_of(flow.source)
                gap[rank] = max(gap[rank], int(text_size(flow.name)[0]) + 30)
        x = POOL_HEADER + LANE_HEADER + LEFT
        centre: dict[int, int] = {}
        previous: int | None = None
        for r in range(ranks[-1] + 1):
            w = width.get(r, 36)
            if previous is None:
                centre[r] = snap(x + w / 2)
            else:
                centre[r] = snap(
                    centre[previous] + width.get(previous, 36) / 2 + gap.get(previous, GAP) + w / 2
                )
            previous = r
        lanes = {lane.id: lane for lane in self.lanes}
        for node in self.nodes.values():
            if node.host:
                continue
            node.cx = centre[node.rank]
            node.cy = lanes[node.lane].y + LANE_PADDING + node.row * ROW + ROW // 2
        for node in self.nodes.values():
            if node.host:
                host = self.nodes[node.host]
                node.cx = host.cx + 30
                node.cy = int(host.cy + host.size[1] / 2)
        self.width = max(n.box[0] + n.box[2] for n in self.nodes.values()) + RIGHT
        self.height = y

    # ------------------------------------------------------------------ flows

    def route(self) -> None:
        self.router = Router(self)
        flows = sorted(
            self.flows.values(),
            key=lambda f: (
                f.back,
                abs(
                    self.nodes[self.main_of(f.target)].rank
                    - self.nodes[self.main_of(f.source)].rank
                )
                + abs(
                    self.lane_index[self.nodes[f.target].lane]
                    - self.lane_index[self.nodes[f.source].lane]
                ),
            ),
        )
        for flow in flows:
            self.router.route(flow)

    # ------------------------------------------------------------------ labels

    def label(self) -> None:
        self.labels: dict[str, tuple[float, float, float, float]] = {}
        shapes = [n.box for n in self.nodes.values()]
        segments = [(a, b) for f in self.flows.values() for a, b in itertools.pairwise(f.points)]

        def badness(box: tuple[float, float, float, float], own: str) -> float:
            score = 0.0
            for shape in shapes:
                score += 1000 * overlap(box, grow(shape, 3))
            for other in self.labels.values():
                score += 1000 * overlap(box, grow(other, 2))
            for a, b in segments:
                if crosses(box, a, b):
                    score += 200
            x, y, _w, h = box
            if x < POOL_HEADER + LANE_HEADER or y < 0 or y + h > self.height:
                score += 5000
            return score

        for node in self.nodes.values():
            if not node.name or node.kind in TASKS:
                continue
            w, h = text_size(node.name)
            x, y, nw, nh = node.box
            cx = node.cx
            below, above = y + nh + 5, y - 5 - h
            candidates = [(cx - w / 2, below), (cx - w / 2, above)]
            for top in (y + nh + 2, y - 2 - h, below, above):
                candidates += [(x + nw + 5, top), (x - 5 - w, top)]
            for top in (below, above):
                candidates += [(cx + 10, top), (cx - 10 - w, top)]
            best = min(
                enumerate(candidates),
                key=lambda c: badness((c[1][0], c[1][1], w, h), node.id) + c[0] * 3,
            )[1]
            self.labels[node.id] = (round(best[0]), round(best[1]), round(w), round(h))

        for flow in self.flows.values():
            if not flow.name:
                continue
            w, h = text_size(flow.name)
            spots: list[tuple[float, float, float]] = []
            along = 0.0
            for a, b in itertools.pairwise(flow.points):
                length = abs(b[0] - a[0]) + abs(b[1] - a[1])
                for offset in (12, 30, length / 2 - (w if a[1] == b[1] else h) / 2):
                    if offset < 0 or offset > length:
                        continue
                    if a[1] == b[1]:  # horizontal
                        sign = 1 if b[0] > a[0] else -1
                        start = a[0] + sign * offset
                        left = start if sign > 0 else start - w
                        spots.append((left, a[1] - 3 - h, along + offset))
                        spots.append((left, a[1] + 3, along + offset + 5))
                    else:
                        sign = 1 if b[1] > a[1] else -1
                        start = a[1] + sign * offset
                        top = start if sign > 0 else start - h
                        spots.append((a[0] + 5, top, along + offset))
                        spots.append((a[0] - 5 - w, top, along + offset + 5))
                along += length
            best3 = min(
                spots,
                key=lambda c: badness((c[0], c[1], w, h), flow.id) + c[2] / 10,
            )
            self.labels[flow.id] = (round(best3[0]), round(best3[1]), round(w), round(h))

    # ------------------------------------------------------------------ writing

    def write(self) -> None:
        diagram = self.root.find(q("BPMNDiagram", BPMNDI))
        plane = diagram.find(q("BPMNPlane", BPMNDI))
        for child in list(plane):
            plane.remove(child)
        plane.text = "\n      "
        right = max(
            [self.width]
            + [box[0] + box[2] + RIGHT / 2 for box in self.labels.values()]
            + [p[0] + RIGHT / 2 for f in self.flows.values() for p in f.points]
        )
        right = snap(right)
        elements: list[etree._Element] = []
        if self.participant is not None:
            elements.append(
                shape(self.participant.get("id"), (0, 0, right, self.height), horizontal=True)
            )
        for lane in self.lanes:
            if lane.id:
                elements.append(
                    shape(
                        lane.id,
                        (POOL_HEADER, lane.y, right - POOL_HEADER, lane.height),
                        horizontal=True,
                    )
                )
        for element in self.process:
            if isinstance(element.tag, str) and element.get("id") in self.nodes:
                node = self.nodes[element.get("id")]
                elements.append(shape(node.id, node.box, label=self.labels.get(node.id)))
        for element in self.process:
            if isinstance(element.tag, str) and element.get("id") in self.flows:
                flow = self.flows[element.get("id")]
                elements.append(edge(flow.id, flow.points, self.labels.get(flow.id)))
        for index, element in enumerate(elements):
            element.tail = "\n      " if index < len(elements) - 1 else "\n    "
            plane.append(element)

    def conditions_order(self) -> dict[str, list[str]]:
        """Per gateway with several conditions that might hold at once: its conditional flows
        in the order SpiffWorkflow tries them (by the target's y, ties in document order)."""
        found: dict[str, list[str]] = {}
        y = self.shape_ys()
        for node in self.nodes.values():
            if node.kind not in {"exclusiveGateway", "inclusiveGateway"}:
                continue
            flows = [f for f in self.flows.values() if f.source == node.id and f.condition]
            if len(flows) > 1 and not exclusive([f.condition for f in flows]):
                ordered = sorted(flows, key=lambda f: y.get(f.target, 0.0))
                found[node.id] = [f.id for f in ordered]
        return found

    def shape_ys(self) -> dict[str, float]:
        ys: dict[str, float] = {}
        for di in self.root.iter(q("BPMNShape", BPMNDI)):
            bounds = di.find(q("Bounds", DC))
            if bounds is not None:
                ys[di.get("bpmnElement")] = float(bounds.get("y"))
        return ys


class Router:
    """A* on a grid of GRID px over the pool, around the shapes."""

    def __init__(self, diagram: Diagram) -> None:
        self.d = diagram
        self.nx = int(diagram.width // GRID) + 1
        self.ny = int(diagram.height // GRID) + 1
        self.x0 = (POOL_HEADER + LANE_HEADER) // GRID + 2
        self.blocked: set[tuple[int, int]] = set()
        for node in diagram.nodes.values():
            x, y, w, h = node.box
            for gx in range(int((x - CLEARANCE) // GRID), int((x + w + CLEARANCE) // GRID) + 2):
                for gy in range(int((y - CLEARANCE) // GRID), int((y + h + CLEARANCE) // GRID) + 2):
                    px, py = gx * GRID, gy * GRID
                    if x - CLEARANCE < px < x + w + CLEARANCE and (
                        y - CLEARANCE < py < y + h + CLEARANCE
                    ):
                        self.blocked.add((gx, gy))
        self.lane_lines = {
            lane.y // GRID + offset for lane in diagram.lanes[1:] for offset in (-1, 0, 1)
        }
        self.segments: dict[tuple[int, int, int], list[Flow]] = {}
        self.points: dict[tuple[int, int], list[tuple[Flow, int]]] = {}
        self.ports: dict[tuple[str, str], list[tuple[str, str]]] = {}  # (node, side)

    def inside(self, gx: int, gy: int) -> bool:
        return self.x0 <= gx < self.nx - 2 and 2 <= gy < self.ny - 2

    def stubs(self, node: Node, way: str) -> list[tuple[str, tuple[int, int], float]]:
        """(port, grid point a short way out, cost) for each port a flow may use."""
        found = []
        for name, (side, (px, py)) in node.ports().items():
            if node.host and side != "bottom":
                continue
            dx, dy = SIDES[side]
            distance = STUB
            while True:
                gx, gy = outward(px, dx, distance), outward(py, dy, distance)
                if (gx, gy) not in self.blocked or distance > 60:
                    break
                distance += GRID
            if (gx, gy) in self.blocked or not self.inside(gx, gy):
                continue
            if (dy and gx * GRID != px) or (dx and gy * GRID != py):
                continue  # the port is off the grid line it would leave along
            cost = float(PORT_COST[way][side])
            if name != side:
                cost += OFF_CORNER
            if node.kind in TASKS and side in {"top", "bottom"}:
                cost += TASK_SIDE_EXTRA
            for used, other_way in self.ports.get((node.id, side), []):
                if other_way != way:
                    cost += PORT_BOTH_WAYS
                elif used == name and (way == "out" or node.kind in GATEWAYS):
                    cost += PORT_REUSED if way == "out" else 3
            found.append((name, (gx, gy), cost))
        return found

    def step_cost(self, flow: Flow, key: tuple[int, int, int]) -> float:
        cost = 1.0
        for other in self.segments.get(key, []):
            if other.target == flow.target:
                cost += OVERLAP_SAME_TARGET
            elif other.source == flow.source:
                cost += OVERLAP_SAME_SOURCE
            else:
                cost += OVERLAP
        return cost

    def route(self, flow: Flow) -> None:
        source = self.d.nodes[flow.source]
        target = self.d.nodes[flow.target]
        starts = self.stubs(source, "out")
        goals: dict[tuple[int, int], list[tuple[str, float]]] = {}
        for port, point, cost in self.stubs(target, "in"):
            goals.setdefault(point, []).append((port, cost))
        source_ports, target_ports = source.ports(), target.ports()
        if not starts or not goals:
            raise SystemExit(f"{flow.id}: no free side to leave or enter by")
        goal_points = list(goals)

        def estimate(gx: int, gy: int) -> float:
            return min(abs(gx - x) + abs(gy - y) for x, y in goal_points)

        best: dict[tuple[int, int, int], float] = {}
        came: dict[tuple[int, int, int], tuple[int, int, int] | None] = {}
        heap: list[tuple[float, float, tuple[int, int, int]]] = []
        first_side: dict[tuple[int, int, int], str] = {}
        for port, (gx, gy), cost in starts:
            direction = DIRECTIONS.index(SIDES[source_ports[port][0]])
            state = (gx, gy, direction)
            if cost < best.get(state, math.inf):
                best[state] = cost
                came[state] = None
                first_side[state] = port
                heapq.heappush(heap, (cost + estimate(gx, gy), cost, state))
        finish: tuple[float, tuple[int, int, int], str] | None = None
        while heap:
            _f, g, state = heapq.heappop(heap)
            if g > best.get(state, math.inf):
                continue
            if finish is not None and g >= finish[0]:
                break
            gx, gy, direction = state
            for port, cost in goals.get((gx, gy), []):
                dx, dy = SIDES[target_ports[port][0]]
                inward = DIRECTIONS.index((-dx, -dy))
                # Turning into the last stretch is a bend; turning back is not allowed.
                if direction != inward:
                    cost += BEND if direction != (inward + 2) % 4 else math.inf
                if finish is None or g + cost < finish[0]:
                    finish = (g + cost, state, port)
            for turn in (0, 1, 3):
                new_direction = (direction + turn) % 4
                dx, dy = DIRECTIONS[new_direction]
                nx, ny = gx + dx, gy + dy
                if not self.inside(nx, ny) or (nx, ny) in self.blocked:
                    continue
                axis = 0 if dx else 1
                cost = self.step_cost(flow, (min(gx, nx), min(gy, ny), axis))
                if turn:
                    cost += BEND
                if axis == 0 and ny in self.lane_lines:
                    cost += ON_LANE_LINE
                for _other, other_axis in self.points.get((nx, ny), []):
                    if other_axis != axis:
                        cost += CROSSING
                        break
                new_state = (nx, ny, new_direction)
                new_g = g + cost
                if new_g < best.get(new_state, math.inf):
                    best[new_state] = new_g
                    came[new_state] = state
                    heapq.heappush(heap, (new_g + estimate(nx, ny), new_g, new_state))
        if finish is None:
            raise SystemExit(f"{flow.id}: no way from {flow.source} to {flow.target}")
        _cost, state, in_side = finish
        path: list[tuple[int, int, int]] = []
        cursor: tuple[int, int, int] | None = state
        while cursor is not None:
            path.append(cursor)
            start_state = cursor
            cursor = came[cursor]
        path.reverse()
        out_side = first_side[start_state]
        grid_points = [(x, y) for x, y, _ in path]
        for (ax, ay), (bx, by) in itertools.pairwise(grid_points):
            axis = 0 if ay == by else 1
            key = (min(ax, bx), min(ay, by), axis)
            self.segments.setdefault(key, []).append(flow)
            self.points.setdefault((bx, by), []).append((flow, axis))
        out_port, in_port = source.ports()[out_side], target.ports()[in_side]
        self.ports.setdefault((flow.source, out_port[0]), []).append((out_side, "out"))
        self.ports.setdefault((flow.target, in_port[0]), []).append((in_side, "in"))
        points = [out_port[1]]
        points += [(x * GRID, y * GRID) for x, y in grid_points]
        points.append(in_port[1])
        flow.points = simplify(points)


# ---------------------------------------------------------------------- helpers


def exclusive(conditions: list[str]) -> bool:
    """Whether at most one of the conditions can hold: each compares the same expression
    with == or `in` against literals no other one names."""
    subject = None
    seen: set[object] = set()
    for condition in conditions:
        try:
            tree = ast.parse(condition, mode="eval").body
        except SyntaxError:
            return False
        if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1):
            return False
        left, right = ast.dump(tree.left), tree.comparators[0]
        if subject is not None and left != subject:
            return False
        subject = left
        if isinstance(tree.ops[0], ast.Eq) and isinstance(right, ast.Constant):
            values = {right.value}
        elif isinstance(tree.ops[0], ast.In) and isinstance(right, ast.Tuple | ast.List | ast.Set):
            if not all(isinstance(item, ast.Constant) for item in right.elts):
                return False
            values = {item.value for item in right.elts if isinstance(item, ast.Constant)}
        else:
            return False
        if values & seen:
            return False
        seen |= values
    return True


def outward(value: float, sign: int, distance: float) -> int:
    """The grid line at least `distance` from `value` in the direction `sign` (0: nearest)."""
    if sign > 0:
        return math.ceil((value + distance) / GRID)
    if sign < 0:
        return math.floor((value - distance) / GRID)
    return round(value / GRID)


def snap(value: float) -> int:
    return int(math.ceil(value / GRID) * GRID)


def simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    result: list[tuple[float, float]] = []
    for point in points:
        if result and result[-1] == point:
            continue
        if len(result) >= 2:
            (ax, ay), (bx, by) = result[-2], result[-1]
            if (ax == bx == point[0]) or (ay == by == point[1]):
                result[-1] = point
                continue
        result.append(point)
    return result


def text_size(text: str) -> tuple[float, float]:
    width = sum(12.0 if ord(ch) > 0x2E80 else 6.5 for ch in text)
    lines = max(1, math.ceil(width / LABEL_WIDTH))
    return min(width, LABEL_WIDTH), lines * LABEL_LINE


def side_text(text: str) -> float:
    """The length of a pool's or lane's name (12 px), written along its left side."""
    return sum(12.0 if ord(ch) > 0x2E80 else 7.0 for ch in text)


def grow(box: tuple[float, float, float, float], by: float) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return x - by, y - by, w + 2 * by, h + 2 * by


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h) / 100 + (1 if w > 0 and h > 0 else 0)


def crosses(
    box: tuple[float, float, float, float], a: tuple[float, float], b: tuple[float, float]
) -> bool:
    x, y, w, h = grow(box, 2)
    if a[1] == b[1]:
        return y < a[1] < y + h and min(a[0], b[0]) < x + w and max(a[0], b[0]) > x
    return x < a[0] < x + w and min(a[1], b[1]) < y + h and max(a[1], b[1]) > y


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def bounds(box: tuple[float, float, float, float], indent: str) -> etree._Element:
    element = etree.Element(q("Bounds", DC))
    for name, value in zip(("x", "y", "width", "height"), box, strict=True):
        element.set(name, number(value))
    element.tail = indent
    return element


def shape(
    element_id: str,
    box: tuple[float, float, float, float],
    *,
    horizontal: bool = False,
    label: tuple[float, float, float, float] | None = None,
) -> etree._Element:
    element = etree.Element(q("BPMNShape", BPMNDI))
    element.set("id", f"{element_id}_di")
    element.set("bpmnElement", element_id)
    if horizontal:
        element.set("isHorizontal", "true")
    element.text = "\n        "
    element.append(bounds(box, "\n      "))
    if label is not None:
        element[-1].tail = "\n        "
        element.append(label_element(label, "\n        ", "\n      "))
    return element


def edge(
    flow_id: str,
    points: list[tuple[float, float]],
    label: tuple[float, float, float, float] | None,
) -> etree._Element:
    element = etree.Element(q("BPMNEdge", BPMNDI))
    element.set("id", f"{flow_id}_di")
    element.set("bpmnElement", flow_id)
    element.text = "\n        "
    for x, y in points:
        waypoint = etree.SubElement(element, q("waypoint", DI))
        waypoint.set("x", number(x))
        waypoint.set("y", number(y))
        waypoint.tail = "\n        "
    if label is not None:
        element.append(label_element(label, "\n        ", "\n      "))
    else:
        element[-1].tail = "\n      "
    return element


def label_element(box: tuple[float, float, float, float], inner: str, outer: str) -> etree._Element:
    element = etree.Element(q("BPMNLabel", BPMNDI))
    element.text = inner + "  "
    element.append(bounds(box, inner))
    element.tail = outer
    return element


def lay_out(path: Path) -> bool:
    text = path.read_bytes()
    root = etree.fromstring(text)
    diagram = Diagram(root)
    before = diagram.conditions_order()
    diagram.place()
    diagram.route()
    diagram.label()
    diagram.write()
    after = diagram.conditions_order()
    if before != after:
        print(f"{path}: the order of conditions changes: {before} -> {after}", file=sys.stderr)
        return False
    # Only the plane's inside changes; the rest of the file stays as it was, byte for byte.
    old, new = text.decode("utf-8"), etree.tostring(root, encoding="unicode")
    inside = plane_inside(new).replace("/>", " />")
    start, end = plane_span(old)
    path.write_text(old[:start] + inside + old[end:], encoding="utf-8")
    return True


def plane_span(text: str) -> tuple[int, int]:
    opening = text.index(">", text.index("<bpmndi:BPMNPlane")) + 1
    return opening, text.index("</bpmndi:BPMNPlane>")


def plane_inside(text: str) -> str:
    start, end = plane_span(text)
    return text[start:end]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    arguments = parser.parse_args()
    ok = True
    for path in arguments.files:
        ok = lay_out(path) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
