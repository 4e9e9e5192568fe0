#!/usr/bin/env python3
"""End-to-end delivery latency: messages posted on one node, received as events on a WebSocket
connected to another node. Prints `delivery p50_ms=… p99_ms=… messages=N`.
Usage: delivery.py POST_URL SUBSCRIBE_URL TOKEN CONVERSATIONS_FILE [messages=500] [writers=8]"""
import asyncio
import json
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from websockets.asyncio.client import connect

post_url, subscribe_url, token, ids_file = sys.argv[1:5]
total = int(sys.argv[5]) if len(sys.argv) > 5 else 500
writers = int(sys.argv[6]) if len(sys.argv) > 6 else 8
ids = [line.strip() for line in open(ids_file) if line.strip()]
sent = {}


def post(number):
    text = f"delivery probe {number} {uuid.uuid4()}"
    body = json.dumps({"author": {"type": "customer"}, "text": text}).encode()
    request = urllib.request.Request(
        f"{post_url}/v1/conversations/{ids[number % len(ids)]}/messages", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Idempotency-Key": text.replace(" ", "-")})
    sent[text] = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


async def main():
    latencies = []
    # Live events only: subscribe after the log position of a first message (its `index`);
    # the node replays nothing older, and later events arrive once it applies them.
    position = post(-1)["index"]
    sent.clear()
    ws_url = subscribe_url.replace("http://", "ws://") + "/v1/events?after=" + str(position)
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}, max_queue=None) as socket:
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(writers)
        posting = loop.run_in_executor(None, lambda: list(pool.map(post, range(total))))
        while len(latencies) < total:
            event = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
            text = event.get("data", {}).get("text", "") if event.get("type") == "message.created" else ""
            if text in sent:
                latencies.append((time.monotonic() - sent[text]) * 1000)
        await posting
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"delivery p50_ms={p50:.2f} p99_ms={p99:.2f} messages={len(latencies)}")


asyncio.run(main())
