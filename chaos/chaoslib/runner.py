"""One chaos run from start to finish: cluster up, load and faults for the duration, heal, wait
for recovery, read everything back, check, report, and stop every process it started."""
import atexit
import dataclasses
import json
import os
import shutil
import signal
import sys
import threading
import time
import traceback

from . import crashes, final_state, history as history_module, processes, report, schedule as schedule_module
from .checkers import (availability, convergence, deliveries as delivery_checker, duplicate_messages,
                       linearizability, lost_messages, message_order, subscribers as subscriber_checker)
from .client import Client
from .cluster import Cluster
from .monitor import LeaderMonitor
from .nemesis import Nemesis
from .network import Partitioner
from .options import CHAOS_DIRECTORY, Options, parse_arguments
from .workloads.deliveries import DeliveryWorkload
from .workloads.messages import MessageWorkload
from .workloads.probe import AvailabilityProbe
from .workloads.registers import RegisterWorkload
from .workloads.subscribers import SubscriberWorkload

EXIT_PASSED, EXIT_VIOLATIONS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class Interrupted(Exception):
    pass


def main(argv):
    try:
        options, arguments = parse_arguments(argv)
    except ValueError as error:
        print(f"chaos/run: {error}", file=sys.stderr)
        return EXIT_ERROR
    if arguments.recheck:
        return recheck(arguments.recheck)
    run = Run(options)
    install_signal_handlers()
    atexit.register(run.clean_up)
    try:
        return run.execute()
    except Interrupted as signal_name:
        print(f"\ninterrupted by {signal_name}; stopping everything", flush=True)
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - any harness failure ends the run with status 2
        traceback.print_exc()
        print(f"chaos/run: the run failed; logs in {run.directory}/cluster/logs", file=sys.stderr)
        return EXIT_ERROR
    finally:
        run.clean_up()


def install_signal_handlers():
    def interrupt(number, _frame):
        # Further signals must not cut the cleanup short.
        for name in ("SIGINT", "SIGTERM", "SIGHUP"):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
        raise Interrupted(signal.Signals(number).name)

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), interrupt)


class Run:
    def __init__(self, options):
        self.options = options
        self.directory = os.path.abspath(options.report or default_report_directory(options))
        self.clock = history_module.Clock()
        self.history = history_module.History(self.clock)
        self.schedule = schedule_module.make_schedule(options)
        self.cluster = None
        self.partitioner = None
        self.nemesis = None
        self.monitor = None
        self.workloads = []
        self.subscribers = None
        self.deliveries = None
        self.errors = []
        self.partitions_note = "not requested"
        self.last_progress = -1
        self.cleaned = False

    # The run

    def execute(self):
        self.announce()
        self.preflight()
        self.start_cluster()
        self.start_workloads()
        self.run_faults()
        self.heal_and_recover()
        self.stop_workloads()
        if self.deliveries:
            # Drained first: recording deliveries writes to the log, which must be still
            # while every node's final state is read.
            self.deliveries.finish(self.options.recovery_timeout)
        state = self.read_final_state()
        self.finish_subscribers(state)
        self.monitor.join()
        return self.check_and_report(state)

    def announce(self):
        options = self.options
        print(f"chaos run {options.name}: seed {options.seed}, {options.nodes} nodes, {options.duration:g}s, "
              f"nemesis {','.join(options.nemesis) or 'none'}, workload {','.join(options.workload)}")
        print(f"replay with: {options.replay_command()}")
        print(f"report in {self.directory}")
        print("schedule:")
        for step in self.schedule:
            print("  " + schedule_module.describe(step))
        sys.stdout.flush()

    def preflight(self):
        if not os.path.exists(self.options.binary):
            raise RuntimeError(f"{self.options.binary} is missing: build it (swift build) or pass --binary")
        if shutil.which("haproxy") is None:
            raise RuntimeError("haproxy is not installed (apt-get install haproxy)")
        leftover = processes.clean_up_abandoned_run()
        if leftover:
            print(leftover)
        busy = [f"{processes.address(i)}:{processes.HTTP_PORT}" for i in range(1, self.options.nodes + 1)
                if processes.port_in_use(processes.address(i), processes.HTTP_PORT)]
        if processes.port_in_use(processes.BALANCER_ADDRESS, processes.BALANCER_PORT):
            busy.append(f"{processes.BALANCER_ADDRESS}:{processes.BALANCER_PORT}")
        if busy:
            raise RuntimeError(f"addresses in use (another chaos run?): {', '.join(busy)}")
        os.makedirs(os.path.join(self.directory, "cluster", "logs"), exist_ok=True)

    def start_cluster(self):
        highest_id = self.options.nodes + schedule_module.membership_steps(self.schedule)
        self.partitioner = Partitioner(processes.address, processes.node_group)
        if "partition" in self.options.nemesis:
            if self.partitioner.probe():
                self.partitions_note = "iptables (owner-match rules in chain SWITCHBOARD-CHAOS)"
            else:
                self.partitions_note = f"SKIPPED: {self.partitioner.reason}"
                print(f"partitions are skipped: {self.partitioner.reason}")
        self.cluster = Cluster(self.options, os.path.join(self.directory, "cluster"), self.history,
                               separate_groups=self.partitioner.usable, highest_id=highest_id)
        self.cluster.start()
        self.history.phase("cluster-up")
        print(f"cluster up: {self.options.nodes} nodes on {processes.address(1)}.. behind "
              f"{self.cluster.balancer.url}", flush=True)

    def start_workloads(self):
        tag = f"s{self.options.seed}"
        messages = MessageWorkload(self.cluster, self.history, self.options, tag)
        if "messages" in self.options.workload:
            messages.create_conversations(self.options.conversations)
            self.workloads.append(messages)
        if "register" in self.options.workload:
            self.workloads.append(RegisterWorkload(self.cluster, self.history, self.options, tag))
        if "deliveries" in self.options.workload:
            self.deliveries = DeliveryWorkload(self.cluster, self.history, self.options, tag)
            self.deliveries.prepare(max(2, self.options.conversations // 4))
            self.workloads.append(self.deliveries)
        if "subscribers" in self.options.workload:
            self.subscribers = SubscriberWorkload(self.cluster, self.history, self.options)
        self.workloads.append(AvailabilityProbe(self.cluster, self.history, self.options, tag))
        self.monitor = LeaderMonitor(self.cluster, self.history)
        self.monitor.start()
        self.history.phase("workload-start")
        for workload in self.workloads:
            workload.start()
        if self.subscribers:
            self.subscribers.start()

    def run_faults(self):
        origin = self.clock.now()
        self.nemesis = Nemesis(self.cluster, self.partitioner, self.history, self.options, self.schedule)
        self.nemesis.start(origin)
        print("faults:", flush=True)
        deadline = origin + self.options.duration
        while self.clock.now() < deadline:
            time.sleep(min(0.2, max(0.0, deadline - self.clock.now())))
            self.report_progress(origin)
        self.nemesis.join()
        if self.nemesis.error:
            self.errors.append(f"nemesis error: {self.nemesis.error!r}")

    def report_progress(self, origin):
        """A line every 30 s, so a long run shows it is alive."""
        elapsed = self.clock.now() - origin
        if int(elapsed) % 30 == 0 and int(elapsed) != self.last_progress and elapsed > 1:
            self.last_progress = int(elapsed)
            requests = self.history.items("requests")
            ok = sum(1 for r in requests if r["ok"])
            print(f"  {elapsed:7.1f}s  progress: {len(requests)} requests, {ok} ok", flush=True)

    def heal_and_recover(self):
        self.nemesis.heal_everything()
        heal = self.history.phase("heal")["t"]
        print(f"healed at {heal:.1f}s; waiting for recovery", flush=True)
        if self.wait_for_recovery():
            recovered = self.history.phase("recovered")["t"]
            print(f"recovered {recovered - heal:.2f}s after the heal", flush=True)
        else:
            self.history.note(f"not recovered {self.options.recovery_timeout:g}s after the heal")
            print(f"NOT recovered {self.options.recovery_timeout:g}s after the heal", flush=True)
        time.sleep(self.options.after_heal)

    def wait_for_recovery(self):
        """Every member ready and a write accepted through HAProxy."""
        probe = Client(self.cluster.token, timeout=1.0)
        key = f"chaos-s{self.options.seed}-recovery-probe"

        def healthy():
            if not all(self.cluster.ready(node) for node in self.cluster.member_nodes()):
                return False
            return probe.call("PUT", f"{self.cluster.balancer.url}/v1/registers/{key}", {"value": "probe"}).ok

        recovered = self.cluster.try_wait(healthy, self.options.recovery_timeout, interval=0.1)
        probe.close()
        return bool(recovered)

    def stop_workloads(self):
        self.history.phase("workload-end")
        for workload in self.workloads:
            workload.stop.set()
        for workload in self.workloads:
            workload.join()

    def read_final_state(self):
        if not final_state.wait_for_convergence(self.cluster, self.options.recovery_timeout):
            self.history.note("the members did not reach the same applied index")
        self.history.phase("converged")
        keys = RegisterWorkload(self.cluster, self.history, self.options, f"s{self.options.seed}").keys
        state = final_state.read_everything(self.cluster, keys)
        with open(os.path.join(self.directory, "final-state.json"), "w") as handle:
            json.dump(state, handle)
        return state

    def finish_subscribers(self, state):
        if not self.subscribers:
            return
        end = max((m["index"] for m in final_state.all_messages(state)), default=0)
        if self.cluster.try_wait(lambda: self.subscribers.caught_up(end), 30, interval=0.2) is None:
            self.history.note(f"subscribers did not all reach seq {end} within 30s")
        self.subscribers.join()
        if self.subscribers.error:
            self.errors.append(f"subscriber error: {self.subscribers.error!r}")

    def check_and_report(self, state):
        saved = self.history.to_json()
        with open(os.path.join(self.directory, "history.json"), "w") as handle:
            json.dump(saved, handle)
        results = run_checkers(saved, state, self.options)
        crashed = crashes.find(os.path.join(self.directory, "cluster", "logs"))
        body = report.build(self.options, saved, results, self.schedule, self.partitions_note, self.errors, crashed)
        report.write(self.directory, body, saved, sorted(self.cluster.nodes))
        print_summary(body, self.directory)
        if body["violations"]:
            return EXIT_VIOLATIONS
        # A harness that broke down (a nemesis that stopped early) has not shown anything.
        return EXIT_ERROR if self.errors else EXIT_PASSED

    # Cleanup

    def clean_up(self):
        """Stops everything this run started; safe to call more than once, from anywhere."""
        if self.cleaned:
            return
        self.cleaned = True
        for workload in self.workloads:
            workload.stop.set()
        if self.deliveries:
            self.deliveries.close()
        if self.subscribers:
            self.subscribers.stopping.set()
        if self.monitor:
            self.monitor.stop.set()
        if self.nemesis:
            self.nemesis.stop.set()
            if self.nemesis.thread and self.nemesis.thread is not threading.current_thread():
                self.nemesis.thread.join(timeout=15)
        if self.partitioner:
            self.partitioner.close()
        if self.cluster:
            self.cluster.stop_everything()
            self.remove_data()

    def remove_data(self):
        """Node data is large; it is kept with --keep-data, or when the run found a violation."""
        keep = self.options.keep_data or self.found_violations()
        if not keep:
            shutil.rmtree(os.path.join(self.directory, "cluster", "data"), ignore_errors=True)

    def found_violations(self):
        try:
            with open(os.path.join(self.directory, "report.json")) as handle:
                return bool(json.load(handle)["violations"])
        except (OSError, ValueError, KeyError):
            return True  # no report: keep the data to find out why


def run_checkers(saved, state, options):
    results = [
        lost_messages.check(saved["messages"], saved["conversations"], state),
        # The agents' answers are messages in the same conversations' threads.
        duplicate_messages.check(saved["messages"] + saved.get("deliveries", []), state),
        message_order.check(saved["messages"], state),
        convergence.check(state),
        linearizability.check(saved["registers"], options.linearizability_budget),
    ]
    if "subscribers" in options.workload:
        results.append(subscriber_checker.check(saved["subscribers"], final_state.all_messages(state)))
    if "deliveries" in options.workload:
        results.append(delivery_checker.check(saved.get("deliveries", []), saved.get("gateway", [])))
    results.append(availability.check(saved, options.max_unavailable))
    return results


def print_summary(body, directory):
    print()
    print(report.headline(body))
    for name, value in report.summary_rows(body):
        print(f"  {name:<45} {value}")
    for violation in body["violations"]:
        print(f"  VIOLATION [{violation['checker']}/{violation['kind']}] {violation['message']}")
    for warning in body["warnings"]:
        print(f"  warning: {warning}")
    print(f"report: {directory}/report.md, {directory}/report.html, {directory}/report.json")


def default_report_directory(options):
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return os.path.join(CHAOS_DIRECTORY, "reports", f"{options.name}-{options.seed}-{stamp}")


def recheck(directory):
    """Runs the checkers again over a saved run (history.json, final-state.json, report.json)."""
    with open(os.path.join(directory, "report.json")) as handle:
        saved_report = json.load(handle)
    options = Options(**{k: v for k, v in saved_report["options"].items()
                         if k in {f.name for f in dataclasses.fields(Options)}})
    saved = history_module.load(os.path.join(directory, "history.json"))
    with open(os.path.join(directory, "final-state.json")) as handle:
        state = json.load(handle)
    results = run_checkers(saved, state, options)
    crashed = crashes.find(os.path.join(directory, "cluster", "logs"))
    body = report.build(options, saved, results, saved_report["schedule"], saved_report["partitions"], [], crashed)
    node_ids = sorted({e["node"] for e in saved["node_events"]})
    report.write(directory, body, saved, node_ids)
    print_summary(body, directory)
    return EXIT_VIOLATIONS if body["violations"] else EXIT_PASSED
