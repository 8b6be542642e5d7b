"""The administrators' page of failing outgoing messages (``/web/quan-tri/dong-bo``): a dossier
the national portal keeps refusing listed with its destination, state and the portal's answer in
words; a dead letter sent again from the page, listed as being sent again until its next attempt,
failing again while the portal still refuses it, then delivered; the page closed to a clerk. The
dossier's own page shows its sync per destination to whoever may see the dossier."""

from __future__ import annotations

import re

from tests.integration.conftest import Portal
from tests.integration.helpers import Scene, advance
from tests.web.conftest import ORIGIN, visible_text, web_login

PAGE = "/web/quan-tri/dong-bo"


async def test_a_dead_letter_is_listed_and_sent_again_from_the_page(
    scene: Scene, portal: Portal
) -> None:
    portal.start()
    bad, good = await scene.receive(), await scene.receive()
    portal.failing[bad] = "error"
    await scene.run()
    await web_login(scene.client, "admin")
    text = visible_text((await scene.client.get(PAGE)).text)
    assert f"{bad} Cổng Dịch vụ công quốc gia Đang thử lại" in text
    assert "đã dừng gửi sau 1 giờ thử lại" in text  # the configured retry window
    assert "HTTP 200: error_code 1: Mã TTHC không hợp lệ" in text
    assert good not in text and "Gửi lại" not in text  # nothing to send again yet
    for _ in range(8):  # the retry window (1 hour here) runs out
        advance(15)
        await scene.run()
    await web_login(scene.client, "admin")  # the session ended in those two hours
    page = await scene.client.get(PAGE)
    assert f"{bad} Cổng Dịch vụ công quốc gia Đã dừng gửi" in visible_text(page.text)
    [action] = re.findall(rf'action="({PAGE}/\d+/gui-lai)"', page.text)
    resp = await scene.client.post(action, headers=ORIGIN)  # the portal still refuses it
    assert resp.status_code == 303 and resp.headers["location"] == f"{PAGE}?xong=gui-lai"
    text = visible_text((await scene.client.get(resp.headers["location"])).text)
    assert "Đã đưa thông điệp vào hàng đợi" in text
    assert f"{bad} Cổng Dịch vụ công quốc gia Đang gửi lại" in text
    assert "Mã TTHC không hợp lệ" in text and "Gửi lại" not in text  # kept; no button
    again = await scene.client.post(action, headers=ORIGIN)  # no longer a dead letter
    assert again.status_code == 409
    text = visible_text((await scene.client.get(f"/web/dossiers/{bad}")).text)
    assert "Cổng Dịch vụ công quốc gia Đang chờ gửi (1 thông điệp)" in text
    await scene.run()  # refused again: failing, in a retry window of its own
    text = visible_text((await scene.client.get(PAGE)).text)
    assert f"{bad} Cổng Dịch vụ công quốc gia Đang thử lại" in text
    del portal.failing[bad]
    advance(15)
    await scene.run()
    assert portal.records(bad) == [("sync", 2, "False")]
    empty = visible_text((await scene.client.get(PAGE)).text)
    assert "Không có hồ sơ nào đang lỗi đồng bộ hay gửi tin." in empty


async def test_the_dossier_page_shows_its_sync(scene: Scene, portal: Portal) -> None:
    portal.start()
    bad, good = await scene.receive(), await scene.receive()
    portal.failing[bad] = "error"
    await scene.run()
    await web_login(scene.client, "clerk")  # not an administrator: sees the dossiers it handles
    text = visible_text((await scene.client.get(f"/web/dossiers/{bad}")).text)
    assert "Đồng bộ và thông báo Cổng Dịch vụ công quốc gia Gửi lỗi từ" in text
    assert "HTTP 200: error_code 1: Mã TTHC không hợp lệ" in text
    text = visible_text((await scene.client.get(f"/web/dossiers/{good}")).text)
    assert re.search(r"Cổng Dịch vụ công quốc gia Đã nhận lúc 09:\d\d 10/03/2026", text)
    # A status change the worker has not forwarded yet: waiting, not "received".
    await scene.act("clerk", good, "transfer")
    text = visible_text((await scene.client.get(f"/web/dossiers/{good}")).text)
    assert re.search(
        r"Cổng Dịch vụ công quốc gia Đang chờ gửi \(1 thay đổi chưa chuyển\);"
        r" lần nhận gần nhất lúc 09:\d\d 10/03/2026",
        text,
    )
    sync = await scene.client.get(f"/api/v1/dossiers/{good}/sync", headers=scene.auth("admin"))
    assert [(x["state"], x["pending"], x["unforwarded"]) for x in sync.json()] == [
        ("not_synced", 0, 1)
    ]
    await scene.run()
    text = visible_text((await scene.client.get(f"/web/dossiers/{good}")).text)
    assert re.search(r"Cổng Dịch vụ công quốc gia Đã nhận lúc 09:\d\d 10/03/2026", text)
    await scene.act("clerk", bad, "transfer")  # waits behind the failing record
    await scene.run()
    text = visible_text((await scene.client.get(f"/web/dossiers/{bad}")).text)
    assert "Cổng Dịch vụ công quốc gia Gửi lỗi từ" in text
    del portal.failing[bad]
    advance(15)
    await scene.run()
    text = visible_text((await scene.client.get(f"/web/dossiers/{bad}")).text)
    assert re.search(r"Cổng Dịch vụ công quốc gia Đã nhận lúc 09:\d\d 10/03/2026", text)
    assert portal.records(bad) == [("sync", 2, "False"), ("sync", 4, "True"), ("progress", 4)]


async def test_the_page_is_for_those_who_manage_the_integration(scene: Scene) -> None:
    await web_login(scene.client, "clerk")
    assert (await scene.client.get(PAGE)).status_code == 403
    await web_login(scene.client, "admin")
    admin_page = await scene.client.get("/web/quan-tri/don-vi")
    assert f'href="{PAGE}"' in admin_page.text  # the tab
