"""Where a workload sends a request: half through HAProxy, half straight to a random member
(running or not: a real client does not know which node just died)."""


def pick_target(cluster, rng):
    """(name, base URL) of the next request's destination."""
    if rng.random() < 0.5:
        return "lb", cluster.balancer.url
    members = cluster.member_nodes()
    if not members:
        return "lb", cluster.balancer.url
    node = rng.choice(members)
    return f"n{node.id}", node.url


def backoff(attempt, retry_after=None):
    """Seconds to wait before retry `attempt` (1, 2, …): short, so that the availability
    measurement is not stretched by the client; a Retry-After is honoured up to 0.25 s."""
    delay = min(0.5, 0.05 * 2 ** (attempt - 1))
    if retry_after is not None:
        delay = max(delay, min(retry_after, 0.25))
    return delay
