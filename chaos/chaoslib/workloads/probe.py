"""The availability probe: a small register write every `probe_interval`, in turn through HAProxy
and to each member, each on its own worker so that a request hanging on a paused or cut-off node
does not hold the next ones back.

The workload clients block on such requests for their whole timeout, so on their own they
would report the cluster unavailable while it was only the node they happened to wait on. The
probe's writes go to keys of their own, outside the checked history; they only count as
successful writes for the availability measurement.
"""
import concurrent.futures
import itertools
import threading

from ..client import Client

WORKERS = 8
TIMEOUT_SECONDS = 0.5


class AvailabilityProbe:
    def __init__(self, cluster, history, options, tag):
        self.cluster = cluster
        self.history = history
        self.interval = options.probe_interval
        self.clock = history.clock
        self.key = f"chaos-{tag}-probe"
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="probe", daemon=True)
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="probe")
        self.clients = threading.local()

    def start(self):
        if self.interval > 0:
            self.thread.start()

    def join(self):
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()
        self.pool.shutdown(wait=True)

    def run(self):
        for number in itertools.count():
            if self.stop.wait(self.interval):
                return
            if self.pool._work_queue.qsize() < WORKERS:  # never queue up behind hung requests
                self.pool.submit(self.write, number)

    def targets(self):
        return [("lb", self.cluster.balancer.url)] + [(f"n{n.id}", n.url) for n in self.cluster.member_nodes()]

    def write(self, number):
        if not hasattr(self.clients, "client"):
            self.clients.client = Client(self.cluster.token, timeout=TIMEOUT_SECONDS)
        targets = self.targets()
        name, base = targets[number % len(targets)]
        start = self.clock.now()
        outcome = self.clients.client.call("PUT", f"{base}/v1/registers/{self.key}-{number % 16}",
                                           {"value": str(number)})
        self.history.request("probe", start, self.clock.now(), outcome.ok, True, name)
