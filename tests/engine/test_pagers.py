"""Both pagination styles visit every record exactly once, resume from `Page.next`, and never loop."""

from __future__ import annotations

import base64

import pytest

from source_pipedrive.errors import ServerError
from source_pipedrive.http import ApiTokenAuth, Client, cursor_pages, offset_pages, single_page
from tests.kit.engine import scripted_server


def ids(pages) -> list:
    return [r["id"] for page in pages for r in page.records]


def test_cursor_pages_visit_every_deal_once(sb, client_for):
    client = client_for(sb)
    pages = list(cursor_pages(client, "/api/v2/deals", {}, limit=7))
    seen = ids(pages)
    assert len(pages) > 2, "the test needs several pages"
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(sb.truth()["streams"]["deals"]["live"])
    assert pages[-1].next is None
    assert all(p.next for p in pages[:-1])


def test_offset_pages_visit_every_note_once(sb, client_for):
    client = client_for(sb)
    pages = list(offset_pages(client, "/v1/notes", {}, limit=9))
    seen = ids(pages)
    assert len(pages) > 2
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(sb.truth()["streams"]["notes"]["live"])
    assert [p.next for p in pages[:-1]] == [str(9 * (i + 1)) for i in range(len(pages) - 1)]
    assert pages[-1].next is None


@pytest.mark.parametrize("style", ["cursor", "offset"])
def test_resuming_from_page_next_delivers_the_rest(sb, client_for, style):
    client = client_for(sb)
    path, pager, key = {
        "cursor": ("/api/v2/deals", cursor_pages, "cursor"),
        "offset": ("/v1/notes", offset_pages, "start"),
    }[style]
    everything = ids(pager(client, path, {}, limit=5))
    first_two = list(pager(client, path, {}, limit=5))[:2]
    resume = first_two[-1].next
    rest = ids(pager(client, path, {}, limit=5, **{key: resume if style == "cursor" else int(resume)}))
    assert ids(first_two) + rest == everything


def test_single_page_returns_the_whole_list(sb, client_for):
    client = client_for(sb)
    (page,) = list(single_page(client, "/v1/users", {}))
    assert page.next is None
    assert sorted(r["id"] for r in page.records) == sorted(sb.truth()["streams"]["users"]["live"])


def test_a_repeated_cursor_is_refused_instead_of_looping():
    # A server bug the sandbox must not have: the second page points back at the first cursor.
    def answer(path, headers):
        return {"success": True, "data": [{"id": 1}], "additional_data": {"next_cursor": "c1"}}

    with scripted_server(answer) as (url, seen):
        client = Client(url, ApiTokenAuth("scripted-token"), sleep=lambda s: None)
        pages = cursor_pages(client, "/api/v2/deals", {})
        assert next(pages).next == "c1"
        with pytest.raises(ServerError, match="page already read"):
            next(pages)
        assert len(seen) == 2


def test_an_offset_that_does_not_advance_is_refused():
    def answer(path, headers):
        pagination = {"start": 0, "limit": 1, "more_items_in_collection": True, "next_start": 3}
        return {"success": True, "data": [{"id": 1}], "additional_data": {"pagination": pagination}}

    with scripted_server(answer) as (url, seen):
        client = Client(url, ApiTokenAuth("scripted-token"), sleep=lambda s: None)
        pages = offset_pages(client, "/v1/notes", {}, limit=1)
        assert next(pages).next == "3"
        with pytest.raises(ServerError, match="next_start 3 after start 3"):
            next(pages)


def test_requests_carry_the_token_in_a_header_and_a_user_agent():
    cursor = base64.urlsafe_b64encode(b'{"id": 2}').decode()

    def answer(path, headers):
        nxt = None if "cursor=" in path else cursor
        return {"success": True, "data": [{"id": 1}], "additional_data": {"next_cursor": nxt}}

    with scripted_server(answer) as (url, seen):
        client = Client(url, ApiTokenAuth("scripted-token"))
        assert len(list(cursor_pages(client, "/api/v2/deals", {"sort_by": "id"}, limit=1))) == 2
        client.close()
    (first_path, first), (second_path, second) = seen
    assert first["x-api-token"] == "scripted-token"
    assert first["user-agent"].startswith("source-pipedrive/")
    assert "scripted-token" not in first_path + second_path
    assert "limit=1" in first_path and "sort_by=id" in first_path and "cursor=" not in first_path
    assert "cursor=" in second_path


def test_server_now_follows_the_date_header(sb, client_for):
    client = client_for(sb)
    assert client.server_now() is None
    client.get("/api/v2/pipelines")
    assert client.server_now() == sb.now()
    sb.advance(3600)
    client.get("/api/v2/pipelines")
    assert client.server_now() == sb.now()
