"""The register history is linearizable.

The search is Wing & Gong's, with Lowe's just-in-time linearization and memoization of
(linearized set, model state) as in Porcupine, run separately for each key (registers are
independent, so the history is linearizable if and only if each key's is).

The model is a versioned register: state (value, version), version 0 meaning absent.
  read               -> must return the state exactly
  write v            -> (v, version + 1), returning the new version
  cas expected, v    -> applies iff version == expected (returning version + 1), else a 412
                        conflict that reports the current version
Failed operations (certainly not applied) are left out. Indeterminate operations (timeouts, lost
connections) may take effect at any point after they were invoked, or never, as in Jepsen: their
return is at infinity, and since nothing observes the state after the end, "never" is the same
as "at the very end". Indeterminate reads are left out (they have no effect).

Three exact reductions keep the search small: determinate operations are linearized roughly in
call order, so their set is kept as (length of the fully linearized prefix, bits beyond it); an
indeterminate compare-and-set whose expected version the state has passed can no longer apply
(versions only grow), so whether it was linearized no longer matters and it is counted as
linearized in the memo key; and indeterminate writes whose value no read returned are
interchangeable with each other (see Groups), so only how many of them were linearized counts.
"""
import bisect
import math

from . import result, violation

NAME = "linearizability"
INITIAL_STATE = (None, 0)
# The value of a write no read returned (see Groups).
UNSEEN = "<never read>"
FIELD_BITS = 20


def check(register_ops, budget=5_000_000):
    by_key = {}
    for op in register_ops:
        by_key.setdefault(op["key"], []).append(op)
    keys, violations, warnings = {}, [], []
    for key in sorted(by_key):
        outcome = check_key(by_key[key], budget)
        keys[key] = {k: v for k, v in outcome.items() if k != "failure"}
        if outcome["linearizable"] is False:
            violations.append(violation(NAME, "not-linearizable", f"register {key} is not linearizable",
                                        key=key, **outcome["failure"]))
        elif outcome["linearizable"] is None:
            warnings.append(f"register {key}: search budget exhausted after {outcome['steps']} steps; "
                            "linearizability unknown")
    return result(NAME, violations, {"keys": keys}, warnings)


def step(state, op):
    """(allowed, next state) for applying `op` to `state` at its linearization point."""
    value, version = state
    answer = op.get("result")
    function = op["f"]
    if function == "read":
        return answer["value"] == value and answer["version"] == version, state
    if function == "write":
        after = (op["value"], version + 1)
        return answer is None or answer["version"] == version + 1, after
    if answer is None:  # an indeterminate compare-and-set
        return True, ((op["value"], version + 1) if version == op["expected"] else state)
    if "conflict" in answer:
        return version != op["expected"] and answer["conflict"] == version, state
    return version == op["expected"] and answer["version"] == version + 1, (op["value"], version + 1)


class Entry:
    """A call or return in the doubly linked list of the search."""
    __slots__ = ("op", "call", "time", "match", "previous", "next")

    def __init__(self, op, call, time):
        self.op, self.call, self.time = op, call, time
        self.match = self.previous = self.next = None


def prepare(ops):
    """Determinate ops (sorted by call), then indeterminate writes and CASes."""
    determinate = sorted((op for op in ops if op.get("outcome") == "ok"), key=lambda op: op["invoke"])
    indeterminate = sorted((op for op in ops if op.get("outcome") == "indeterminate" and op["f"] != "read"),
                           key=lambda op: op["invoke"])
    return determinate, indeterminate


def build_list(operations):
    """Entries sorted by time, calls before returns at equal times (touching ops overlap)."""
    entries = []
    for number, op in enumerate(operations):
        call = Entry(number, True, op["invoke"])
        done = Entry(number, False, op["complete"] if op.get("complete") is not None else math.inf)
        call.match = done
        entries += [call, done]
    entries.sort(key=lambda entry: (entry.time, 0 if entry.call else 1))
    head = Entry(-1, False, -math.inf)
    last = head
    for entry in entries:
        last.next, entry.previous = entry, last
        last = entry
    return head


def lift(entry):
    entry.previous.next = entry.next
    entry.next.previous = entry.previous
    done = entry.match
    done.previous.next = done.next
    if done.next is not None:
        done.next.previous = done.previous


def unlift(entry):
    done = entry.match
    done.previous.next = done
    if done.next is not None:
        done.next.previous = done
    entry.previous.next = entry
    entry.next.previous = entry


class Search:
    """Lowe's search over one key's operations, with a memo of canonical configurations."""

    def __init__(self, ops, budget):
        determinate, indeterminate = prepare(ops)
        self.operations = determinate + indeterminate
        self.determinate_count = len(determinate)
        self.all_determinate = (1 << len(determinate)) - 1
        self.budget = budget
        observed = {op["result"]["value"] for op in determinate if op["f"] == "read"}
        self.groups = Groups(indeterminate, observed, self.determinate_count)
        self.model = [self.groups.model_op(number, op) for number, op in enumerate(self.operations)]

    def run(self):
        """True, False (with `self.failure`) or None when the budget ran out."""
        head = build_list(self.operations)
        state, linearized = INITIAL_STATE, Linearized(self.groups)
        seen, stack, tried = set(), [], set()
        self.steps, self.best = 0, None
        entry = head.next
        # Once every determinate op is linearized the rest (all indeterminate) can take effect
        # at the end, or not at all: the history is linearizable.
        while linearized.determinate != self.all_determinate:
            self.steps += 1
            if self.steps > self.budget:
                return None
            if not entry.call:
                self.note_dead_end(entry, state, stack)
                if not stack:
                    return False
                entry, state, tried = stack.pop()
                linearized.remove(entry.op)
                unlift(entry)
                entry = entry.next
                continue
            group = self.groups.of(entry.op)
            if group is not None and group in tried:
                entry = entry.next  # an interchangeable op was already tried from here
                continue
            if group is not None:
                tried.add(group)
            allowed, after = step(state, self.model[entry.op])
            if allowed:
                linearized.add(entry.op)
                key = linearized.key(after)
                if key not in seen:
                    seen.add(key)
                    stack.append((entry, state, tried))
                    state, tried = after, set()
                    lift(entry)
                    entry = head.next
                    continue
                linearized.remove(entry.op)
            entry = entry.next
        return True

    def note_dead_end(self, entry, state, stack):
        """Remembers the deepest point the search reached, to explain a failure."""
        if self.best is None or len(stack) > self.best["depth"]:
            self.best = {"depth": len(stack), "op": entry.op, "state": state,
                         "recent": [item[0].op for item in stack[-8:]]}

    def failure(self):
        best = self.best
        blocked = self.operations[best["op"]]
        return {"linearized_before_failure": best["depth"],
                "stuck_on": describe(blocked),
                "state_then": {"value": best["state"][0], "version": best["state"][1]},
                "last_linearized": [describe(self.operations[number]) for number in best["recent"]],
                "concurrent": [describe(op) for op in self.operations if overlaps(op, blocked) and op is not blocked][:10]}


class Groups:
    """Indeterminate writes and compare-and-sets whose value no read ever returned.

    Such an op's only visible effect is the version it bumps: its value is replaced in the
    model by UNSEEN, and ops with the same effect (every unseen write; unseen CASes expecting the
    same version) are interchangeable. Which of them were linearized then does not matter, only
    how many, which keeps their possible subsets from multiplying the search. Indeterminate
    ops whose value was read keep a bit each.
    """

    def __init__(self, indeterminate, observed, offset):
        self.offset = offset
        keys = {}
        for number, op in enumerate(indeterminate):
            if op["value"] not in observed:
                keys[number + offset] = ("cas", op["expected"]) if op["f"] == "cas" else ("write", None)
        # CAS groups in expected-version order, then the write group: the groups dead at a
        # version are then a prefix (a CAS expecting less than the version can never apply).
        ordered = sorted(set(keys.values()), key=lambda k: (k[0] == "write", k[1] or 0))
        self.index = {key: position for position, key in enumerate(ordered)}
        self.group_of = {number: self.index[key] for number, key in keys.items()}
        self.sizes = [0] * len(ordered)
        for position in self.group_of.values():
            self.sizes[position] += 1
        self.cas_expected = [key[1] for key in ordered if key[0] == "cas"]
        self.full_prefixes = [0]
        for position, size in enumerate(self.sizes):
            self.full_prefixes.append(self.full_prefixes[-1] | size << (FIELD_BITS * position))
        self.dead_singles = self.dead_single_masks(indeterminate, offset)

    def of(self, number):
        return self.group_of.get(number)

    def model_op(self, number, op):
        return dict(op, value=UNSEEN) if number in self.group_of else op

    def dead_single_masks(self, indeterminate, offset):
        """For each expected version, the bits of the individually tracked CASes expecting at most it."""
        by_expected = {}
        for number, op in enumerate(indeterminate):
            if op["f"] == "cas" and number + offset not in self.group_of:
                by_expected[op["expected"]] = by_expected.get(op["expected"], 0) | 1 << number
        versions, masks, total = [], [], 0
        for expected in sorted(by_expected):
            total |= by_expected[expected]
            versions.append(expected)
            masks.append(total)
        return versions, masks

    def dead_single_mask(self, version):
        versions, masks = self.dead_singles
        position = bisect.bisect_left(versions, version)
        return masks[position - 1] if position else 0

    def canonical_counts(self, counts, version):
        """Counts with every dead CAS group shown as fully linearized."""
        dead = bisect.bisect_left(self.cas_expected, version)
        mask = (1 << (FIELD_BITS * dead)) - 1
        return (counts & ~mask) | self.full_prefixes[dead]


class Linearized:
    """The set of linearized ops: determinate ones as bits (kept as the length of the fully
    linearized prefix plus the bits beyond it in the memo key), individually tracked
    indeterminate ones as bits, grouped ones as a count per group (a field of FIELD_BITS)."""

    def __init__(self, groups):
        self.groups = groups
        self.determinate = 0
        self.singles = 0
        self.counts = 0

    def add(self, number):
        self.change(number, 1)

    def remove(self, number):
        self.change(number, -1)

    def change(self, number, sign):
        offset = self.groups.offset
        if number < offset:
            self.determinate ^= 1 << number
        elif number in self.groups.group_of:
            self.counts += sign << (FIELD_BITS * self.groups.group_of[number])
        else:
            self.singles ^= 1 << (number - offset)

    def key(self, state):
        prefix = (self.determinate ^ (self.determinate + 1)).bit_length() - 1
        version = state[1]
        return (prefix, self.determinate >> prefix, self.singles | self.groups.dead_single_mask(version),
                self.groups.canonical_counts(self.counts, version), state)


def check_key(ops, budget):
    search = Search(ops, budget)
    verdict = search.run()
    outcome = {"linearizable": verdict, "ops": len(search.operations),
               "indeterminate": len(search.operations) - search.determinate_count, "steps": search.steps}
    if verdict is False:
        outcome["failure"] = search.failure()
    return outcome


def overlaps(a, b):
    a_end = a["complete"] if a.get("complete") is not None else math.inf
    b_end = b["complete"] if b.get("complete") is not None else math.inf
    return a["invoke"] <= b_end and b["invoke"] <= a_end


def describe(op):
    times = f"[{op['invoke']:.3f}, {'?' if op.get('complete') is None else format(op['complete'], '.3f')}]"
    argument = {"read": "", "write": f" {op['value']}", "cas": f" {op['expected']}->{op['value']}"}[op["f"]]
    return f"client {op.get('client')} {op['f']}{argument} {times} -> {op.get('result') or op.get('outcome')}"
