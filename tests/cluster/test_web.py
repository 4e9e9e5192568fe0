"""Every node serves the web pages and answers cross-origin requests from embedding sites."""
import requests


def test_pages_are_served_and_the_api_allows_other_origins(cluster_factory):
    cluster = cluster_factory().start()
    node = cluster.nodes[2]
    page = requests.get(node.url + "/", timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert requests.get(node.url + "/no-such-page.html", timeout=5).status_code == 404
    preflight = requests.options(node.url + "/v1/conversations", timeout=5, headers={
        "Origin": "http://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "idempotency-key" in preflight.headers["Access-Control-Allow-Headers"].lower()
    answer = requests.get(node.url + "/v1/conversations", headers=dict(cluster.headers, Origin="http://shop.example"),
                          timeout=5)
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
    refused = requests.get(node.url + "/v1/conversations", headers={"Origin": "http://shop.example"}, timeout=5)
    assert refused.status_code == 401
