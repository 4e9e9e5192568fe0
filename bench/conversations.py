#!/usr/bin/env python3
"""Opens COUNT conversations on a node (16 writers) and prints their ids, one per line.
Usage: conversations.py URL TOKEN COUNT"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])


def open_conversation(number):
    body = json.dumps({"customer": {"externalId": f"bench-{number}", "name": f"Customer {number}"},
                       "channel": "web", "language": "en", "subject": "Where is my order?"}).encode()
    request = urllib.request.Request(url + "/v1/conversations", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
        "Idempotency-Key": f"bench-conversation-{number}"})
    for _ in range(5):
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return json.loads(reply.read())["id"]
        except OSError:
            continue
    raise SystemExit(f"could not open conversation {number}")


with ThreadPoolExecutor(16) as pool:
    for identifier in pool.map(open_conversation, range(count)):
        print(identifier)
