"""Digest links to the workbench (workbench contract: "Digests link to the matching
workbench page when COACHING_APP_URL is set"): on the October sample (conftest.py), the
manager digest's "waiting for your approval" list links to the inbox and each seller's
dashboard, a rep digest to the rep's own dashboard, an SLM notice to the escalations page;
without the variable there is no link (the byte-identity tests render without it)."""

from __future__ import annotations

import re

import pytest

from coaching_pipeline.digests.links import APP_URL_ENV, BadAppUrl, workbench_links

from .october import AI_ENV, document_text, manifest, render

pytestmark = pytest.mark.xdist_group("sample")

BASE = "https://coach.example.com/app"


def test_links_quote_ids_whole():
    links = workbench_links({APP_URL_ENV: BASE + "/"})
    assert links.rep("005A1") == f"{BASE}/reps/005A1"
    assert links.rep("../../admin x") == f"{BASE}/reps/%2E%2E%2F%2E%2E%2Fadmin%20x"
    assert links.inbox == f"{BASE}/inbox" and links.escalations == f"{BASE}/escalations"
    assert links.digests("2026-10") == f"{BASE}/digests?month=2026-10"
    assert workbench_links({}) is None and workbench_links({APP_URL_ENV: "  "}) is None


@pytest.mark.parametrize("bad", ["coach.example.com", "ftp://coach.example.com", "https://x.example/?a=1",
                                 'https://x.example/"onmouseover=alert(1)', "https://x.example/#top"])
def test_a_bad_app_url_is_refused_with_the_variable_named(bad):
    with pytest.raises(BadAppUrl, match=f"^{APP_URL_ENV}=.* is not the workbench's address"):
        workbench_links({APP_URL_ENV: bad})


def _documents(folder, role):
    return [d for d in manifest(folder)["documents"] if d["role"] == role]


def test_the_digests_link_to_the_workbench_when_its_address_is_set(sample, tmp_path, monkeypatch):
    for name in AI_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(APP_URL_ENV, BASE)
    folder, _ = render(sample["warehouse"], tmp_path)
    manager = next(d for d in _documents(folder, "manager") if d["recipient_id"] == sample["manager_id"]
                   and d["format"] == "html")
    page = document_text(folder / manager["path"])
    # the CSS inliner adds a style attribute to each link
    assert re.search(f'<a href="{BASE}/inbox"[^>]*>Decide in your coaching inbox</a>', page)
    assert "coaching approvals approve ID" not in page
    assert f'href="{BASE}/reps/{sample["pending_rep"]}"' in page  # the waiting recommendation's rep
    md = document_text(folder / manager["path"].replace(".html", ".md"))
    assert f"Decide in your coaching inbox: <{BASE}/inbox>" in md
    rep = next(d for d in _documents(folder, "rep") if d["recipient_id"] == sample["rep_id"] and d["format"] == "html")
    assert re.search(f'<a href="{BASE}/reps/{sample["rep_id"]}"[^>]*>Open your coaching dashboard</a>',
                     document_text(folder / rep["path"]))
    slm = next(d for d in _documents(folder, "slm") if d["format"] == "md")
    assert f"The escalations in the workbench: <{BASE}/escalations>" in document_text(folder / slm["path"])


def test_without_the_address_no_digest_links_anywhere(sample):
    folder = sample["folder"]
    for d in manifest(folder)["documents"]:
        assert "/reps/" not in document_text(folder / d["path"]) and "/inbox" not in document_text(folder / d["path"])
